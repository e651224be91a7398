' Talking to the tenant's API from Task threads (roUrlTransfer may not run
' on the render thread): GraphQL with the app key, the viewer's tokens from
' the registry, a refresh when the access token has expired, and the OAuth
' form posts of TV activation. Include Config.brs alongside.

' httpPost sends body to url and returns { code, body, failure }: code is
' the HTTP status (negative for a transport failure, then failure says why),
' body the answer, also on 4xx (OAuth errors come as 400 with JSON).
function httpPost(url as string, body as string, contentType as string, bearer as string) as object
    port = CreateObject("roMessagePort")
    xfer = CreateObject("roUrlTransfer")
    xfer.setMessagePort(port)
    xfer.setUrl(url)
    xfer.setCertificatesFile("common:/certs/ca-bundle.crt")
    xfer.initClientCertificates()
    xfer.retainBodyOnError(true)
    xfer.enableEncodings(true)
    xfer.addHeader("Content-Type", contentType)
    xfer.addHeader("Accept", "application/json")
    xfer.addHeader("X-Marquee-App-Key", appConfig().appKey)
    if bearer <> "" then xfer.addHeader("Authorization", "Bearer " + bearer)
    if not xfer.asyncPostFromString(body)
        return { code: -1, body: "", failure: "the request could not start" }
    end if
    msg = wait(30000, port)
    if type(msg) <> "roUrlEvent"
        xfer.asyncCancel()
        return { code: -1, body: "", failure: "no answer within 30 seconds" }
    end if
    code = msg.getResponseCode()
    failure = ""
    if code < 0 then failure = msg.getFailureReason()
    return { code: code, body: msg.getString(), failure: failure }
end function

' formEncode makes an application/x-www-form-urlencoded body of fields.
function formEncode(fields as object) as string
    xfer = CreateObject("roUrlTransfer")
    parts = []
    for each key in fields
        parts.push(xfer.escape(key) + "=" + xfer.escape(fields[key]))
    end for
    return parts.join("&")
end function

' postForm posts fields to url and parses the JSON answer: { code, json }
' (json is invalid when the body is not JSON).
function postForm(url as string, fields as object) as object
    res = httpPost(url, formEncode(fields), "application/x-www-form-urlencoded", "")
    json = invalid
    if res.body <> "" then json = ParseJson(res.body)
    return { code: res.code, json: json, failure: res.failure }
end function

' graphql runs one operation and returns { data, errorCode, message }:
' errorCode is "" on success, the first error's extensions.code (or
' NETWORK) otherwise. bearer is the viewer's access token or "".
function graphql(query as string, variables as object, bearer as string) as object
    body = FormatJson({ query: query, variables: variables })
    res = httpPost(appConfig().graphqlURL, body, "application/json", bearer)
    if res.code < 0 then return { data: invalid, errorCode: "NETWORK", message: res.failure }
    json = ParseJson(res.body)
    if json = invalid then return { data: invalid, errorCode: "NETWORK", message: "HTTP " + res.code.toStr() }
    if json.errors <> invalid and json.errors.count() > 0
        first = json.errors[0]
        code = "INTERNAL"
        if first.extensions <> invalid and first.extensions.code <> invalid then code = first.extensions.code
        message = ""
        if first.message <> invalid then message = first.message
        return { data: json.data, errorCode: code, message: message }
    end if
    return { data: json.data, errorCode: "", message: "" }
end function

' viewerGraphql runs an operation as the signed-in viewer: with the stored
' access token, refreshed first when it has expired, and once more when the
' API answers UNAUTHENTICATED. Without tokens it answers UNAUTHENTICATED
' (the caller starts TV activation).
function viewerGraphql(query as string, variables as object) as object
    tokens = loadTokens()
    if tokens = invalid then return { data: invalid, errorCode: "UNAUTHENTICATED", message: "not signed in" }
    now = CreateObject("roDateTime").asSeconds()
    if tokens.expiresAt <= now + 30
        tokens = refreshTokens(tokens)
        if tokens = invalid then return { data: invalid, errorCode: "UNAUTHENTICATED", message: "signed out" }
    end if
    res = graphql(query, variables, tokens.accessToken)
    if res.errorCode = "UNAUTHENTICATED"
        tokens = refreshTokens(tokens)
        if tokens = invalid then return res
        res = graphql(query, variables, tokens.accessToken)
    end if
    return res
end function

' refreshTokens exchanges the refresh token (once) for a new pair through
' viewerRefresh and stores it; invalid (and the tokens forgotten) when the
' API refuses it. A network failure keeps the tokens for a later try.
function refreshTokens(tokens as object) as dynamic
    q = "mutation Refresh($r: String!) { viewerRefresh(refreshToken: $r) { accessToken refreshToken expiresIn tokenType deviceId profileId } }"
    res = graphql(q, { r: tokens.refreshToken }, "")
    if res.errorCode = "NETWORK" then return invalid
    if res.errorCode <> "" or res.data = invalid
        clearTokens()
        return invalid
    end if
    t = res.data.viewerRefresh
    return saveTokens(t.accessToken, t.refreshToken, t.expiresIn, t.deviceId)
end function

' Tokens live in the registry section "auth" (the device keeps them across
' launches; Roku clears them when the channel is removed).
function loadTokens() as dynamic
    sec = CreateObject("roRegistrySection", "auth")
    if not sec.exists("refreshToken") then return invalid
    expiresAt = 0
    if sec.exists("expiresAt") then expiresAt = sec.read("expiresAt").toInt()
    return { accessToken: sec.read("accessToken"), refreshToken: sec.read("refreshToken"), expiresAt: expiresAt, deviceId: sec.read("deviceId") }
end function

function saveTokens(accessToken as string, refreshToken as string, expiresIn as integer, deviceId as string) as object
    expiresAt = CreateObject("roDateTime").asSeconds() + expiresIn
    sec = CreateObject("roRegistrySection", "auth")
    sec.writeMulti({ accessToken: accessToken, refreshToken: refreshToken, expiresAt: expiresAt.toStr(), deviceId: deviceId })
    sec.flush()
    return { accessToken: accessToken, refreshToken: refreshToken, expiresAt: expiresAt, deviceId: deviceId }
end function

sub clearTokens()
    sec = CreateObject("roRegistrySection", "auth")
    for each key in ["accessToken", "refreshToken", "expiresAt", "deviceId"]
        sec.delete(key)
    end for
    sec.flush()
end sub

function hasTokens() as boolean
    return loadTokens() <> invalid
end function
