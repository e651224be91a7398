sub init()
    m.poster = m.top.findNode("poster")
    m.name = m.top.findNode("name")
    m.name.color = appColors().text
    m.name.font = "font:SmallSystemFont"
end sub

sub onContent()
    item = m.top.itemContent
    if item = invalid then return
    m.poster.uri = item.fhdPosterUrl
    m.name.text = item.title
end sub
