' Playback, in one place. Ads, when they come, play only through the Roku
' Advertising Framework (a certification rule): RAF is a library of this
' task (Library "Roku_Ads.brs" at the top of this file) and wraps
' playContent below; nothing else in the channel touches the Video node.

sub init()
    m.top.functionName = "execute"
end sub

sub execute()
    m.top.state = "starting"
    res = viewerGraphql(playbackSessionMutation(), { t: m.top.titleId })
    if res.errorCode = "UNAUTHENTICATED"
        m.top.state = "signedOut"
        return
    else if res.errorCode = "NOT_FOUND"
        fail("This title is not available.")
        return
    else if res.errorCode <> ""
        fail("Playback could not start (" + res.message + ").")
        return
    end if
    result = res.data.playbackSession
    if result.refusal <> invalid
        fail(result.refusal.reason)
        return
    end if
    playContent(result.session)
end sub

sub fail(message as string)
    m.top.message = message
    m.top.state = "failed"
end sub

' playContent plays the session's stream to its end or until stopped.
'
' The Roku Advertising Framework hook. When the ads issue lands and
' session.ads is true, this is where RAF wraps playback:
'   raf = Roku_Ads()
'   raf.setAdUrl(<the session's ad tag>)
'   ads = raf.getAds()                                 ' pre-rolls
'   if ads <> invalid then raf.showAds(ads, invalid, m.top.video.getParent())
'   ... then in the loop below, on each position event:
'   ads = raf.getAds(msg): when mid-rolls are due, stop the content, showAds,
'   and resume the content where it was.
' Until then session.ads is not acted on: no ad is faked or stitched here.
sub playContent(session as object)
    video = m.top.video
    content = CreateObject("roSGNode", "ContentNode")
    content.url = session.hlsURL
    content.streamFormat = "hls"
    content.playStart = session.resumePositionSeconds
    video.content = content
    video.notificationInterval = 1

    port = CreateObject("roMessagePort")
    video.observeField("state", port)
    video.observeField("position", port)
    m.top.observeField("stop", port)
    video.control = "play"

    beat = CreateObject("roTimespan")
    position = session.resumePositionSeconds
    while true
        msg = wait(5000, port)
        if m.top.stop then exit while
        if type(msg) = "roSGNodeEvent"
            field = msg.getField()
            if field = "position"
                position = Int(msg.getData())
            else if field = "state"
                state = msg.getData()
                if state = "playing" and m.top.state <> "playing"
                    m.top.state = "playing"
                else if state = "finished"
                    exit while
                else if state = "error"
                    video.unobserveField("state")
                    video.unobserveField("position")
                    endSession(session, position, video.duration)
                    fail("The video could not be played (" + video.errorMsg + ").")
                    return
                end if
            end if
        end if
        ' Heartbeats keep the session (and its stream slot) alive: 30 s.
        if beat.totalSeconds() >= 30
            beat.mark()
            viewerGraphql(heartbeatMutation(), { s: session.id, p: position })
            if video.duration > 0 then viewerGraphql(reportProgressMutation(), { t: m.top.titleId, p: position, d: Int(video.duration) })
        end if
    end while
    video.unobserveField("state")
    video.unobserveField("position")
    video.control = "stop"
    endSession(session, position, video.duration)
    m.top.state = "finished"
end sub

' endSession records where the viewer stopped (resume next time) and frees
' the stream slot.
sub endSession(session as object, position as integer, duration as float)
    if duration > 0 then viewerGraphql(reportProgressMutation(), { t: m.top.titleId, p: position, d: Int(duration) })
    viewerGraphql(endPlaybackMutation(), { s: session.id })
end sub
