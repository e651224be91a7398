' The GraphQL operations the channel sends (graph/schema/storefront.graphqls,
' playback.graphqls, viewers.graphqls). Posters are the 4:3 THUMBNAIL
' artwork, which comes in Roku's HD 290x218 and FHD 540x405 sizes.

function titleFields() as string
    return "id kind title synopsis durationSeconds releaseYear genres rating { system value } series { id title } seasonNumber episodeNumber artwork(role: THUMBNAIL) { key width height }"
end function

function homeQuery() as string
    return "query Home { storefront { name home { rails(first: 20) { edges { node { id title collection { items(first: 20) { edges { node { " + titleFields() + " } } } } } } } } } }"
end function

function titleQuery() as string
    return "query Title($id: ID!) { storefront { title(id: $id) { " + titleFields() + " } } }"
end function

function seriesQuery() as string
    return "query Series($id: ID!) { storefront { series(id: $id) { id title synopsis genres rating { system value } artwork(role: THUMBNAIL) { key width height } seasons { number name episodes { " + titleFields() + " } } } } }"
end function

function searchQuery() as string
    return "query Search($q: String!) { storefront { search(query: $q, first: 30) { edges { node { " + titleFields() + " } } } } }"
end function

function playbackSessionMutation() as string
    return "mutation Play($t: ID!) { playbackSession(titleId: $t) { session { id hlsURL resumePositionSeconds ads expiresAt subtitles { language name url } } refusal { code reason } } }"
end function

function heartbeatMutation() as string
    return "mutation Beat($s: ID!, $p: Int!) { playbackHeartbeat(sessionId: $s, positionSeconds: $p) { id } }"
end function

function endPlaybackMutation() as string
    return "mutation End($s: ID!) { endPlayback(sessionId: $s) }"
end function

function reportProgressMutation() as string
    return "mutation Progress($t: ID!, $p: Int!, $d: Int!) { reportProgress(titleId: $t, positionSeconds: $p, durationSeconds: $d) }"
end function
