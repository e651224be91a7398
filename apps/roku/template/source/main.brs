' The channel's entry point: it shows MainScene, hands it the launch's deep
' link (contentId + mediaType, from the home screen or Roku Search) and, while
' running, every deep link that arrives through roInput (ECP /input), which
' Roku's certification requires (manifest: supports_input_launch=1).
sub main(args as dynamic)
    screen = CreateObject("roSGScreen")
    port = CreateObject("roMessagePort")
    screen.setMessagePort(port)
    scene = screen.CreateScene("MainScene")
    screen.show()

    input = CreateObject("roInput")
    input.setMessagePort(port)

    ' Always an AA (an empty one for a plain launch): setting invalid would
    ' not start the scene.
    link = deepLinkOf(args)
    if link = invalid then link = {}
    scene.launchArgs = link

    while true
        msg = wait(0, port)
        msgType = type(msg)
        if msgType = "roSGScreenEvent"
            if msg.isScreenClosed() then return
        else if msgType = "roInputEvent"
            if msg.isInput()
                inputLink = deepLinkOf(msg.getInfo())
                if inputLink <> invalid then scene.inputArgs = inputLink
            end if
        end if
    end while
end sub

' deepLinkOf keeps the deep-link parameters of a launch or input event:
' both contentId and mediaType, or invalid.
function deepLinkOf(args as dynamic) as dynamic
    if type(args) <> "roAssociativeArray" then return invalid
    contentId = args.contentId
    mediaType = args.mediaType
    if contentId = invalid or mediaType = invalid then return invalid
    if contentId = "" or mediaType = "" then return invalid
    return { contentId: contentId, mediaType: mediaType }
end function
