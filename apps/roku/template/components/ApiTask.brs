sub init()
    m.top.functionName = "execute"
end sub

sub execute()
    req = m.top.request
    variables = req.variables
    if variables = invalid then variables = {}
    if req.viewer = true
        m.top.response = viewerGraphql(req.query, variables)
    else
        m.top.response = graphql(req.query, variables, "")
    end if
end sub
