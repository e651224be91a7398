sub init()
    m.top.functionName = "execute"
end sub

sub execute()
    config = appConfig()
    info = CreateObject("roDeviceInfo")
    deviceName = info.getFriendlyName()
    if deviceName = "" then deviceName = "Roku " + info.getModelDisplayName()
    start = postForm(config.deviceAuthorizationURL, { device_name: deviceName, device_platform: "roku", client_id: "roku" })
    if start.code <> 200 or start.json = invalid or start.json.device_code = invalid
        m.top.message = oauthMessage(start, "Activation could not start")
        m.top.status = "failed"
        return
    end if
    codes = start.json
    m.top.userCode = codes.user_code
    m.top.verificationUri = codes.verification_uri
    if codes.verification_uri_complete <> invalid then m.top.verificationUriComplete = codes.verification_uri_complete
    m.top.status = "waiting"

    interval = 5
    if codes.interval <> invalid then interval = codes.interval
    deadline = CreateObject("roDateTime").asSeconds() + 600
    if codes.expires_in <> invalid then deadline = CreateObject("roDateTime").asSeconds() + codes.expires_in
    port = CreateObject("roMessagePort")
    m.top.observeField("cancel", port)
    while true
        ' Wait the interval, leaving early when the screen is closed.
        msg = wait(interval * 1000, port)
        if msg <> invalid and m.top.cancel then return
        if CreateObject("roDateTime").asSeconds() >= deadline
            m.top.status = "expired"
            return
        end if
        res = postForm(config.tokenURL, { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: codes.device_code })
        if res.code = 200 and res.json <> invalid and res.json.access_token <> invalid
            t = res.json
            saveTokens(t.access_token, t.refresh_token, t.expires_in, t.device_id)
            m.top.status = "done"
            return
        end if
        errorCode = ""
        if res.json <> invalid and res.json.error <> invalid then errorCode = res.json.error
        if errorCode = "slow_down"
            ' RFC 8628 3.5: add 5 seconds, or take the server's interval.
            interval = interval + 5
            if res.json.interval <> invalid then interval = res.json.interval
        else if errorCode = "access_denied"
            m.top.status = "denied"
            return
        else if errorCode = "expired_token"
            m.top.status = "expired"
            return
        else if errorCode <> "authorization_pending" and res.code >= 0
            ' Anything but a pending answer or a network blip ends it.
            m.top.message = oauthMessage(res, "Activation failed")
            m.top.status = "failed"
            return
        end if
    end while
end sub

function oauthMessage(res as object, prefix as string) as string
    if res.json <> invalid and res.json.error_description <> invalid then return prefix + ": " + res.json.error_description
    if res.failure <> "" then return prefix + ": " + res.failure
    return prefix + " (HTTP " + res.code.toStr() + ")."
end function
