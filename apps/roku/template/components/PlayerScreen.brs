sub init()
    m.video = m.top.findNode("video")
    m.video.trickPlayBar.filledBarBlendColor = appColors().primary
    m.spinner = m.top.findNode("spinner")
    m.spinner.poster.uri = "pkg:/images/placeholder.png"
    m.spinner.poster.width = 120
    m.spinner.poster.height = 90
    m.spinner.control = "start"
    m.top.observeField("focusedChild", "onFocusChanged")
    m.task = invalid
end sub

sub onTitleId()
    m.task = CreateObject("roSGNode", "PlayerTask")
    m.task.video = m.video
    m.task.titleId = m.top.titleId
    m.task.observeField("state", "onTaskState")
    m.task.control = "RUN"
end sub

sub onTaskState()
    state = m.task.state
    if state = "playing"
        m.spinner.control = "stop"
        m.spinner.visible = false
        m.video.setFocus(true)
        m.top.started = true
    else if state = "finished"
        m.top.finished = true
    else if state = "signedOut"
        m.top.signedOut = true
    else if state = "failed"
        m.top.failed = m.task.message
    end if
end sub

sub onControl()
    if m.top.control = "stop" then stopPlayback()
end sub

sub stopPlayback()
    if m.task <> invalid then m.task.stop = true
end sub

sub onFocusChanged()
    if m.top.hasFocus() then m.video.setFocus(true)
end sub

' Back stops playback; the task ends the session, then the screen closes.
function onKeyEvent(key as string, press as boolean) as boolean
    if press and key = "back"
        stopPlayback()
        return true
    end if
    return false
end function
