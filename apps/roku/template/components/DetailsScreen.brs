sub init()
    colors = appColors()
    m.poster = m.top.findNode("poster")
    m.name = m.top.findNode("name")
    m.name.font = "font:LargeBoldSystemFont"
    m.meta = m.top.findNode("meta")
    m.synopsis = m.top.findNode("synopsis")
    m.status = m.top.findNode("status")
    for each label in [m.name, m.synopsis, m.status]
        label.color = colors.text
    end for
    m.meta.color = colors.muted
    m.buttons = m.top.findNode("buttons")
    m.buttons.observeField("buttonSelected", "onButton")
    m.episodes = m.top.findNode("episodes")
    m.episodes.color = colors.text
    m.episodes.focusedColor = colors.onPrimary
    m.episodes.focusBitmapBlendColor = colors.primary
    m.episodes.observeField("itemSelected", "onEpisode")
    m.top.observeField("focusedChild", "onFocusChanged")
    m.focusTarget = invalid
end sub

sub onContentId()
    if m.top.mode = "series"
        m.task = runQuery(seriesQuery(), { id: m.top.contentId }, false, "onSeries")
    else
        m.task = runQuery(titleQuery(), { id: m.top.contentId }, false, "onTitle")
    end if
end sub

sub onTitle(event as object)
    res = event.getData()
    if res.errorCode = "NOT_FOUND"
        m.top.failed = "This title is not available."
        return
    else if res.errorCode <> ""
        m.top.failed = "The title could not be loaded (" + res.message + ")."
        return
    end if
    t = res.data.storefront.title
    showHeader(t.title, t.synopsis, t.artwork, metaLine(t))
    m.buttons.buttons = ["Play"]
    focus(m.buttons)
end sub

sub onSeries(event as object)
    res = event.getData()
    if res.errorCode = "NOT_FOUND"
        m.top.failed = "This series is not available."
        return
    else if res.errorCode <> ""
        m.top.failed = "The series could not be loaded (" + res.message + ")."
        return
    end if
    s = res.data.storefront.series
    showHeader(s.title, s.synopsis, s.artwork, s.genres.join(", "))
    list = CreateObject("roSGNode", "ContentNode")
    for each season in s.seasons
        for each episode in season.episodes
            item = list.createChild("ContentNode")
            item.id = episode.id
            label = "S" + season.number.toStr()
            if episode.episodeNumber <> invalid then label = label + " E" + episode.episodeNumber.toStr()
            item.title = label + "  " + episode.title
        end for
    end for
    if list.getChildCount() = 0
        m.status.text = "No episodes yet."
        m.status.translation = [96, 660]
        m.status.visible = true
        return
    end if
    m.episodes.content = list
    m.episodes.visible = true
    focus(m.episodes)
end sub

sub showHeader(name as string, synopsis as string, artwork as object, meta as string)
    m.status.visible = false
    m.name.text = name
    m.synopsis.text = synopsis
    m.meta.text = meta
    m.poster.uri = artworkURL(artwork, 540)
    m.top.loaded = true
end sub

function metaLine(t as object) as string
    parts = []
    if t.releaseYear <> invalid then parts.push(t.releaseYear.toStr())
    if t.durationSeconds <> invalid then parts.push(formatDuration(t.durationSeconds))
    if t.rating <> invalid then parts.push(t.rating.value)
    if t.series <> invalid
        episode = t.series.title
        if t.seasonNumber <> invalid and t.episodeNumber <> invalid then episode = episode + " S" + t.seasonNumber.toStr() + " E" + t.episodeNumber.toStr()
        parts.push(episode)
    end if
    if t.genres <> invalid and t.genres.count() > 0 then parts.push(t.genres.join(", "))
    return parts.join("  ·  ")
end function

sub focus(node as object)
    m.focusTarget = node
    node.setFocus(true)
end sub

sub onButton()
    m.top.play = m.top.contentId
end sub

sub onEpisode()
    item = m.episodes.content.getChild(m.episodes.itemSelected)
    if item <> invalid then m.top.play = item.id
end sub

sub onFocusChanged()
    if m.top.hasFocus() and m.focusTarget <> invalid then m.focusTarget.setFocus(true)
end sub
