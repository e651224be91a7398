sub init()
    colors = appColors()
    m.heading = m.top.findNode("heading")
    m.heading.text = appConfig().name
    m.heading.color = colors.text
    m.heading.font = "font:LargeBoldSystemFont"
    m.status = m.top.findNode("status")
    m.status.color = colors.muted
    m.status.text = "Loading…"
    m.search = m.top.findNode("searchButton")
    m.search.observeField("buttonSelected", "onSearch")
    m.rails = m.top.findNode("rails")
    ' Nested arrays are spaced: the template's delimiters are double brackets.
    m.rails.rowItemSize = [ [300, 280] ]
    m.rails.rowItemSpacing = [ [24, 0] ]
    m.rails.rowLabelOffset = [ [0, 12] ]
    m.rails.rowLabelColor = colors.text
    m.rails.focusBitmapBlendColor = colors.primary
    m.rails.observeField("rowItemSelected", "onItemSelected")
    m.top.observeField("focusedChild", "onFocusChanged")
    m.task = runQuery(homeQuery(), {}, false, "onHome")
end sub

' The rails arrive: empty ones are left out, as the schema asks.
sub onHome(event as object)
    res = event.getData()
    m.task = invalid
    if res.errorCode <> ""
        m.status.text = "The catalogue could not be loaded (" + res.message + "). Press OK on Search to try searching, or Back to leave."
        m.top.loaded = true
        m.search.setFocus(true)
        return
    end if
    root = CreateObject("roSGNode", "ContentNode")
    for each railEdge in res.data.storefront.home.rails.edges
        rail = railEdge.node
        items = rail.collection.items.edges
        if items.count() > 0
            row = root.createChild("ContentNode")
            row.title = rail.title
            for each itemEdge in items
                row.appendChild(titleNode(itemEdge.node))
            end for
        end if
    end for
    if root.getChildCount() = 0
        m.status.text = "Nothing to watch yet."
        m.search.setFocus(true)
    else
        m.status.text = ""
        m.rails.content = root
        m.rails.setFocus(true)
    end if
    m.top.loaded = true
end sub

sub onItemSelected()
    sel = m.rails.rowItemSelected
    row = m.rails.content.getChild(sel[0])
    if row = invalid then return
    m.top.selected = row.getChild(sel[1])
end sub

sub onSearch()
    m.top.openSearch = true
end sub

' The screen got focus back (from another screen): give it to the rails.
sub onFocusChanged()
    if not m.top.hasFocus() then return
    if m.rails.content <> invalid
        m.rails.setFocus(true)
    else
        m.search.setFocus(true)
    end if
end sub

function onKeyEvent(key as string, press as boolean) as boolean
    if not press then return false
    if key = "options"
        m.top.openSearch = true
        return true
    else if key = "up" and m.rails.hasFocus()
        m.search.setFocus(true)
        return true
    else if key = "down" and m.search.hasFocus() and m.rails.content <> invalid
        m.rails.setFocus(true)
        return true
    end if
    return false
end function
