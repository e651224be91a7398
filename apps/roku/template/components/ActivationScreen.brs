sub init()
    colors = appColors()
    m.heading = m.top.findNode("heading")
    m.heading.text = "Sign in to " + appConfig().name
    m.heading.font = "font:LargeBoldSystemFont"
    m.instructions = m.top.findNode("instructions")
    m.url = m.top.findNode("url")
    m.code = m.top.findNode("code")
    m.code.font = "font:LargeBoldSystemFont"
    m.code.color = colors.onPrimary
    m.top.findNode("codeBox").color = colors.primary
    m.status = m.top.findNode("status")
    for each label in [m.heading, m.instructions, m.url]
        label.color = colors.text
    end for
    m.status.color = colors.muted
    m.url.color = colors.accent
    m.buttons = m.top.findNode("buttons")
    m.buttons.observeField("buttonSelected", "onButton")
    m.top.observeField("focusedChild", "onFocusChanged")
    m.top.observeField("visible", "onVisible")
    startActivation()
end sub

sub startActivation()
    m.instructions.text = "On your phone or computer, sign in and go to"
    m.url.text = ""
    m.code.text = "…"
    m.status.text = "Getting a code…"
    m.buttons.buttons = []
    m.task = CreateObject("roSGNode", "ActivationTask")
    m.task.observeField("status", "onStatus")
    m.task.control = "RUN"
end sub

sub onStatus()
    status = m.task.status
    if status = "waiting"
        m.url.text = m.task.verificationUri
        m.code.text = m.task.userCode
        m.status.text = "then enter this code. This screen moves on by itself."
        m.top.ready = true
    else if status = "done"
        m.top.done = true
    else
        if status = "denied"
            m.status.text = "The sign-in was declined."
        else if status = "expired"
            m.status.text = "The code expired."
        else
            m.status.text = m.task.message
        end if
        m.code.text = ""
        m.buttons.buttons = ["Get a new code"]
        m.buttons.setFocus(true)
        m.top.ready = true
    end if
end sub

sub onButton()
    startActivation()
end sub

' Leaving the screen stops the polling.
sub onVisible()
    if not m.top.visible and m.task <> invalid then m.task.cancel = true
end sub

sub onFocusChanged()
    if m.top.hasFocus() and m.buttons.buttons.count() > 0 then m.buttons.setFocus(true)
end sub
