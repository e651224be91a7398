' The screen stack and deep linking. Deep links (Roku's contentId +
' mediaType) go straight to playback for playable media types and to the
' details screen for series and seasons, as Roku's certification requires;
' an unknown id lands on the home screen.

sub init()
    colors = appColors()
    m.top.backgroundColor = colors.background
    m.top.backgroundUri = ""
    m.top.findNode("background").color = colors.background
    m.screens = m.top.findNode("screens")
    m.stack = []
    m.launched = false
    m.deepLinking = false
    m.pendingTitle = ""
end sub

' The launch: a deep link, else the home screen. Roku wants the
' AppLaunchComplete beacon once the first screen can be used.
sub onLaunchArgs()
    link = m.top.launchArgs
    m.deepLinking = link <> invalid and link.contentId <> invalid
    showHome()
    if m.deepLinking then openDeepLink(link.contentId, link.mediaType)
end sub

' A deep link while running (roInput): the stack goes back to home first.
sub onInputArgs()
    link = m.top.inputArgs
    if link = invalid or link.contentId = invalid then return
    while m.stack.count() > 1
        popScreen()
    end while
    openDeepLink(link.contentId, link.mediaType)
end sub

sub openDeepLink(contentId as string, mediaType as string)
    playable = { movie: true, episode: true, shortformvideo: true, special: true, tvspecial: true, live: true }
    kind = LCase(mediaType)
    if playable.doesExist(kind)
        play(contentId)
    else if kind = "series" or kind = "season"
        showDetails(contentId, "series")
    else
        showError("This link is not one the channel knows (" + mediaType + ").")
    end if
end sub

sub showHome()
    home = CreateObject("roSGNode", "HomeScreen")
    home.observeField("selected", "onSelected")
    home.observeField("openSearch", "onOpenSearch")
    home.observeField("loaded", "onHomeLoaded")
    pushScreen(home)
end sub

' A plain launch is complete when the rails show; a deep-linked one when
' its playback starts, its details load, or it asks to sign in first.
sub onHomeLoaded()
    if not m.deepLinking then beaconLaunchComplete()
end sub

sub beaconLaunchComplete()
    if m.launched then return
    m.launched = true
    m.top.signalBeacon("AppLaunchComplete")
end sub

sub onOpenSearch()
    search = CreateObject("roSGNode", "SearchScreen")
    search.observeField("selected", "onSelected")
    pushScreen(search)
end sub

' A title chosen in a rail or in search results: episodes and movies show
' their details, whose Play button plays them.
sub onSelected(event as object)
    item = event.getData()
    if item = invalid then return
    showDetails(item.id, "title")
end sub

sub showDetails(id as string, mode as string)
    details = CreateObject("roSGNode", "DetailsScreen")
    details.mode = mode
    details.contentId = id
    details.observeField("play", "onPlay")
    details.observeField("failed", "onScreenFailed")
    details.observeField("loaded", "onDeepLinkReady")
    pushScreen(details)
end sub

sub onPlay(event as object)
    play(event.getData())
end sub

' play starts a title; a viewer who is not signed in activates this TV
' first (RFC 8628), then playback starts.
sub play(titleId as string)
    if not hasTokens()
        m.pendingTitle = titleId
        activation = CreateObject("roSGNode", "ActivationScreen")
        activation.observeField("done", "onActivated")
        activation.observeField("ready", "onDeepLinkReady")
        pushScreen(activation)
        return
    end if
    player = CreateObject("roSGNode", "PlayerScreen")
    player.observeField("finished", "onPlayerFinished")
    player.observeField("failed", "onScreenFailed")
    player.observeField("signedOut", "onSignedOut")
    player.observeField("started", "onDeepLinkReady")
    pushScreen(player)
    player.titleId = titleId
end sub

sub onDeepLinkReady()
    beaconLaunchComplete()
end sub

sub onActivated(event as object)
    if event.getData() <> true then return
    popScreen()
    titleId = m.pendingTitle
    m.pendingTitle = ""
    if titleId <> "" then play(titleId)
end sub

' The API no longer takes this TV's tokens (signed out elsewhere, device
' removed): forget them and activate again, then play the same title.
sub onSignedOut(event as object)
    titleId = event.getRoSGNode().titleId
    popScreen()
    clearTokens()
    play(titleId)
end sub

sub onPlayerFinished()
    popScreen()
end sub

' A screen that could not load (a missing title, a refused session) goes
' away and says why.
sub onScreenFailed(event as object)
    message = event.getData()
    if message = "" then return
    popScreen()
    showError(message)
end sub

sub showError(message as string)
    dialog = CreateObject("roSGNode", "Dialog")
    dialog.title = appConfig().name
    dialog.message = message
    dialog.buttons = ["OK"]
    dialog.observeField("buttonSelected", "onDialogButton")
    m.top.dialog = dialog
    beaconLaunchComplete()
end sub

sub onDialogButton()
    m.top.dialog.close = true
    if m.stack.count() > 0 then m.stack.peek().setFocus(true)
end sub

sub pushScreen(screen as object)
    if m.stack.count() > 0 then m.stack.peek().visible = false
    m.screens.appendChild(screen)
    m.stack.push(screen)
    screen.visible = true
    screen.setFocus(true)
end sub

sub popScreen()
    if m.stack.count() = 0 then return
    screen = m.stack.pop()
    ' The player ends its session (endPlayback, progress) before it goes.
    if screen.subtype() = "PlayerScreen" then screen.control = "stop"
    screen.visible = false
    m.screens.removeChild(screen)
    if m.stack.count() > 0
        top = m.stack.peek()
        top.visible = true
        top.setFocus(true)
    end if
end sub

' Back closes the top screen; on the home screen it leaves the channel.
function onKeyEvent(key as string, press as boolean) as boolean
    if not press or key <> "back" then return false
    if m.stack.count() > 1
        popScreen()
        return true
    end if
    return false
end function
