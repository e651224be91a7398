package tv.marquee.app.api

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.decodeFromJsonElement
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import tv.marquee.app.AppConfig
import tv.marquee.app.auth.Session

/** A GraphQL error: code is errors[0].extensions.code (UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT, …). */
class GraphQLException(val code: String, message: String) : Exception(message)

/**
 * POSTs queries to BASE_URL/graphql with the app key and, when signed in, the
 * viewer's bearer token. An UNAUTHENTICATED answer refreshes the tokens once
 * and retries.
 */
class GraphQL(private val http: OkHttpClient, private val session: Session) {
    val json = Json { ignoreUnknownKeys = true; explicitNulls = false; coerceInputValues = true }

    suspend fun execute(query: String, variables: JsonObject = JsonObject(emptyMap())): JsonObject =
        withContext(Dispatchers.IO) {
            try {
                once(query, variables)
            } catch (e: GraphQLException) {
                if (e.code == "UNAUTHENTICATED" && session.refresh()) once(query, variables) else throw e
            }
        }

    inline fun <reified T> decode(element: JsonElement): T = json.decodeFromJsonElement(element)

    private fun once(query: String, variables: JsonObject): JsonObject {
        val body = buildJsonObject {
            put("query", query)
            put("variables", variables)
        }.toString().toRequestBody("application/json".toMediaType())
        val request = Request.Builder()
            .url(AppConfig.BASE_URL + "/graphql")
            .header("X-Marquee-App-Key", AppConfig.APP_KEY)
            .apply { session.accessToken?.let { header("Authorization", "Bearer $it") } }
            .post(body)
            .build()
        return http.newCall(request).execute().use { response ->
            val text = response.body?.string().orEmpty()
            val root = runCatching { json.parseToJsonElement(text).jsonObject }
                .getOrElse { throw GraphQLException("HTTP_${response.code}", "unexpected answer (${response.code})") }
            val errors = root["errors"]?.jsonArray
            if (!errors.isNullOrEmpty()) {
                val first = errors[0].jsonObject
                val code = first["extensions"]?.jsonObject?.get("code")?.jsonPrimitive?.contentOrNull ?: "ERROR"
                throw GraphQLException(code, first["message"]?.jsonPrimitive?.contentOrNull ?: code)
            }
            root["data"]?.jsonObject ?: throw GraphQLException("ERROR", "no data")
        }
    }
}

/** Walks nested objects: data.at("storefront", "home", "rails"). */
fun JsonObject.at(vararg path: String): JsonElement {
    var cur: JsonElement = this
    for (p in path) cur = cur.jsonObject[p] ?: throw GraphQLException("ERROR", "missing $p")
    return cur
}
