package tv.marquee.app.api

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import kotlinx.serialization.json.putJsonObject
import tv.marquee.app.auth.Session

private const val CARD = """
  id kind title vertical durationSeconds releaseYear
  poster: artwork(role: POSTER) { key width height }
  backdrop: artwork(role: BACKDROP) { key width height }
"""

/** Every call the screens make, with the real field names of the Marquee schema. */
class Repository(private val gql: GraphQL, private val session: Session) {

    suspend fun home(): List<Rail> {
        val data = gql.execute(
            """query Home { storefront { home { rails(first: 20) { edges { node {
                id title collection { items(first: 20) { edges { node { $CARD } } } } } } } } } }""",
        )
        // The API includes rails whose collection shows nothing right now: hide them.
        return gql.decode<Connection<Rail>>(data.at("storefront", "home", "rails")).nodes
            .filter { it.collection.items.edges.isNotEmpty() }
    }

    suspend fun title(id: String): Title {
        val data = gql.execute(
            """query Title(${'$'}id: ID!) { storefront { title(id: ${'$'}id) {
                $CARD synopsis genres rating { system value } seasonNumber episodeNumber series { id title } } } }""",
            vars { put("id", id) },
        )
        return gql.decode(data.at("storefront", "title"))
    }

    suspend fun series(id: String): Series {
        val data = gql.execute(
            """query Series(${'$'}id: ID!) { storefront { series(id: ${'$'}id) {
                id title synopsis genres backdrop: artwork(role: BACKDROP) { key width height }
                seasons { id number name episodes { $CARD synopsis seasonNumber episodeNumber } } } } }""",
            vars { put("id", id) },
        )
        return gql.decode(data.at("storefront", "series"))
    }

    suspend fun search(query: String, after: String? = null): Connection<Title> {
        val data = gql.execute(
            """query Search(${'$'}q: String!, ${'$'}after: String) { storefront {
                search(query: ${'$'}q, first: 30, after: ${'$'}after) { edges { node { $CARD } } pageInfo { hasNextPage endCursor } } } }""",
            vars { put("q", query); put("after", after) },
        )
        return gql.decode(data.at("storefront", "search"))
    }

    suspend fun shorts(after: String? = null): Connection<Title> {
        val data = gql.execute(
            """query Shorts(${'$'}after: String) { storefront {
                shortsFeed(first: 10, after: ${'$'}after) { edges { node { $CARD synopsis } } pageInfo { hasNextPage endCursor } } } }""",
            vars { put("after", after) },
        )
        return gql.decode(data.at("storefront", "shortsFeed"))
    }

    suspend fun myList(): List<Title> {
        val data = gql.execute("""query MyList { myList(first: 50) { edges { node { $CARD } } } }""")
        return gql.decode<Connection<Title>>(data.at("myList")).nodes
    }

    suspend fun continueWatching(): List<ContinueItem> {
        val data = gql.execute(
            """query Continue { continueWatching(first: 20) { edges { node {
                positionSeconds durationSeconds title { $CARD } } } } }""",
        )
        return gql.decode<Connection<ContinueItem>>(data.at("continueWatching")).nodes
    }

    suspend fun setInMyList(titleId: String, add: Boolean) {
        val field = if (add) "addToMyList" else "removeFromMyList"
        gql.execute("""mutation L(${'$'}t: ID!) { $field(titleId: ${'$'}t) }""", vars { put("t", titleId) })
    }

    /** Email and password sign-in, then the first profile without a PIN is selected. */
    suspend fun signIn(email: String, password: String) {
        val data = gql.execute(
            """mutation SignIn(${'$'}in: ViewerSignInInput!) { viewerSignIn(input: ${'$'}in) {
                accessToken refreshToken expiresIn deviceId profileId } }""",
            buildJsonObject {
                putJsonObject("in") {
                    put("email", email)
                    put("password", password)
                    val known = session.deviceId
                    if (known != null) put("deviceId", known) else putJsonObject("device") {
                        put("name", session.deviceName())
                        put("platform", session.devicePlatform())
                    }
                }
            },
        )
        session.store(gql.decode(data.at("viewerSignIn")))
        selectDefaultProfile()
    }

    /** Binds the tokens to a profile (My List and Continue watching are per profile). */
    suspend fun selectDefaultProfile() {
        if (session.profileId != null) return
        val data = gql.execute("""query Profiles { viewerAccount { profiles { id name pinProtected } } }""")
        val profiles = gql.decode<List<Profile>>(data.at("viewerAccount", "profiles"))
        val profile = profiles.firstOrNull { !it.pinProtected } ?: return
        val sel = gql.execute(
            """mutation Select(${'$'}p: ID!) { selectProfile(profileId: ${'$'}p) {
                accessToken refreshToken expiresIn deviceId profileId } }""",
            vars { put("p", profile.id) },
        )
        session.store(gql.decode(sel.at("selectProfile")))
    }

    suspend fun signOut() {
        runCatching { gql.execute("mutation { viewerSignOut }") }
        session.clear()
    }

    suspend fun startPlayback(titleId: String): PlaybackResult {
        val data = gql.execute(
            """mutation Play(${'$'}t: ID!) { playbackSession(titleId: ${'$'}t) {
                session { id titleId hlsURL expiresAt resumePositionSeconds subtitles { language name sdh url } }
                refusal { code reason } } }""",
            vars { put("t", titleId) },
        )
        return gql.decode(data.at("playbackSession"))
    }

    /** Keeps the session alive (every 30 s) and records the position for resume and Continue watching. */
    suspend fun heartbeat(sessionId: String, titleId: String, positionSeconds: Int, durationSeconds: Int) {
        gql.execute(
            """mutation Beat(${'$'}s: ID!, ${'$'}p: Int!, ${'$'}t: ID!, ${'$'}d: Int!) {
                playbackHeartbeat(sessionId: ${'$'}s, positionSeconds: ${'$'}p) { id }
                reportProgress(titleId: ${'$'}t, positionSeconds: ${'$'}p, durationSeconds: ${'$'}d) }""",
            vars { put("s", sessionId); put("p", positionSeconds); put("t", titleId); put("d", durationSeconds) },
        )
    }

    suspend fun endPlayback(sessionId: String) {
        gql.execute("""mutation End(${'$'}s: ID!) { endPlayback(sessionId: ${'$'}s) }""", vars { put("s", sessionId) })
    }

    private fun vars(block: kotlinx.serialization.json.JsonObjectBuilder.() -> Unit): JsonObject = buildJsonObject(block)
}
