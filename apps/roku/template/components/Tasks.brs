' Starting ApiTasks from the render thread: runQuery starts one and calls
' the named callback (a function of the component) with its response.
function runQuery(query as string, variables as object, viewer as boolean, callback as string) as object
    task = CreateObject("roSGNode", "ApiTask")
    task.request = { query: query, variables: variables, viewer: viewer }
    task.observeField("response", callback)
    task.control = "RUN"
    return task
end function
