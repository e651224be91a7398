' Turning storefront titles into ContentNodes the lists and grids show.

' artworkURL picks the artwork closest to width (Roku FHD posters are 540
' wide) and makes its URL; "" when the title has none.
function artworkURL(artwork as dynamic, width as integer) as string
    if artwork = invalid or artwork.count() = 0 then return ""
    best = artwork[0]
    for each a in artwork
        if Abs(a.width - width) < Abs(best.width - width) then best = a
    end for
    return appConfig().artworkBase + best.key
end function

' titleNode is a ContentNode for a storefront title; its id is the title's,
' and the custom fields kind and seriesId say what selecting it opens.
function titleNode(t as object) as object
    node = CreateObject("roSGNode", "ContentNode")
    node.id = t.id
    node.title = t.title
    if t.synopsis <> invalid then node.description = t.synopsis
    if t.durationSeconds <> invalid then node.length = t.durationSeconds
    if t.releaseYear <> invalid then node.releaseDate = t.releaseYear.toStr()
    poster = artworkURL(t.artwork, 540)
    node.hdPosterUrl = poster
    node.fhdPosterUrl = poster
    seriesId = ""
    if t.series <> invalid then seriesId = t.series.id
    kind = ""
    if t.kind <> invalid then kind = t.kind
    node.addFields({ kind: kind, seriesId: seriesId })
    return node
end function

' formatDuration is "1 h 42 min" or "12 min".
function formatDuration(seconds as dynamic) as string
    if seconds = invalid then return ""
    minutes = Int(seconds / 60)
    if minutes < 60 then return minutes.toStr() + " min"
    return Int(minutes / 60).toStr() + " h " + (minutes mod 60).toStr() + " min"
end function
