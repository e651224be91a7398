sub init()
    colors = appColors()
    m.top.findNode("heading").color = colors.text
    m.status = m.top.findNode("status")
    m.status.color = colors.muted
    m.status.text = "Type to search."
    m.keyboard = m.top.findNode("keyboard")
    m.keyboard.observeField("text", "onText")
    m.results = m.top.findNode("results")
    m.results.focusBitmapBlendColor = colors.primary
    m.results.observeField("itemSelected", "onItemSelected")
    m.debounce = m.top.findNode("debounce")
    m.debounce.observeField("fire", "onDebounce")
    m.top.observeField("focusedChild", "onFocusChanged")
    m.task = invalid
    m.query = ""
end sub

' Typing restarts the timer; a search runs once typing pauses.
sub onText()
    m.debounce.control = "stop"
    m.debounce.control = "start"
end sub

sub onDebounce()
    q = m.keyboard.text.trim()
    if q = m.query then return
    m.query = q
    if Len(q) < 2
        m.results.content = invalid
        m.status.text = "Type to search."
        return
    end if
    m.status.text = "Searching…"
    m.task = runQuery(searchQuery(), { q: q }, false, "onResults")
end sub

sub onResults(event as object)
    res = event.getData()
    ' An older search's answer after a newer query: ignore it.
    if m.task = invalid or not m.task.isSameNode(event.getRoSGNode()) then return
    if res.errorCode <> ""
        m.status.text = "Search failed (" + res.message + ")."
        return
    end if
    content = CreateObject("roSGNode", "ContentNode")
    for each edge in res.data.storefront.search.edges
        content.appendChild(titleNode(edge.node))
    end for
    if content.getChildCount() = 0
        m.results.content = invalid
        m.status.text = "Nothing matches """ + m.query + """."
        return
    end if
    m.status.text = ""
    m.results.content = content
end sub

sub onItemSelected()
    m.top.selected = m.results.content.getChild(m.results.itemSelected)
end sub

sub onFocusChanged()
    if m.top.hasFocus() then m.keyboard.setFocus(true)
end sub

function onKeyEvent(key as string, press as boolean) as boolean
    if not press then return false
    if key = "right" and m.keyboard.isInFocusChain() and m.results.content <> invalid
        m.results.setFocus(true)
        return true
    else if key = "left" and m.results.hasFocus()
        m.keyboard.setFocus(true)
        return true
    end if
    return false
end function
