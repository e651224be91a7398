package tv.marquee.app.auth

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.decodeFromString
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.intOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import okhttp3.FormBody
import okhttp3.OkHttpClient
import okhttp3.Request
import tv.marquee.app.AppConfig

/** The device authorization response (RFC 8628 §3.2). */
@Serializable
data class DeviceAuthorization(
    @SerialName("device_code") val deviceCode: String,
    @SerialName("user_code") val userCode: String,
    @SerialName("verification_uri") val verificationUri: String,
    @SerialName("verification_uri_complete") val verificationUriComplete: String? = null,
    @SerialName("expires_in") val expiresIn: Int,
    @SerialName("interval") val interval: Int = 5,
)

/** How an activation ended without tokens: access_denied or expired_token. */
class ActivationException(val code: String, message: String) : Exception(message)

/**
 * TV sign-in without a keyboard (RFC 8628): the TV shows a code, the viewer
 * enters it on the web app's activate page, the TV polls the token endpoint.
 */
class DeviceActivation(private val http: OkHttpClient, private val session: Session) {
    private val json = Json { ignoreUnknownKeys = true }

    /** POST BASE_URL/oauth/device_authorization (§3.1). */
    suspend fun start(): DeviceAuthorization = withContext(Dispatchers.IO) {
        val form = FormBody.Builder()
            .add("device_name", session.deviceName())
            .add("device_platform", session.devicePlatform())
            .build()
        val (ok, text) = post("/oauth/device_authorization", form)
        if (!ok) throw ActivationException("invalid_request", text)
        json.decodeFromString<DeviceAuthorization>(text)
    }

    /**
     * Polls BASE_URL/oauth/token every interval seconds until the viewer
     * approves (tokens stored, returns), declines or the code expires (throws).
     * authorization_pending keeps polling; slow_down adds 5 seconds (§3.5).
     */
    suspend fun await(auth: DeviceAuthorization) {
        var interval = auth.interval.coerceAtLeast(1)
        val deadline = System.currentTimeMillis() + auth.expiresIn * 1000L
        while (System.currentTimeMillis() < deadline) {
            delay(interval * 1000L)
            val form = FormBody.Builder()
                .add("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
                .add("device_code", auth.deviceCode)
                .build()
            val (ok, text) = withContext(Dispatchers.IO) { post("/oauth/token", form) }
            val o = json.parseToJsonElement(text).jsonObject
            if (ok) {
                session.store(tokensFromOAuth(o))
                return
            }
            when (val code = o["error"]?.jsonPrimitive?.contentOrNull) {
                "authorization_pending" -> Unit
                "slow_down" -> interval = o["interval"]?.jsonPrimitive?.intOrNull ?: (interval + 5)
                else -> throw ActivationException(code ?: "error", o["error_description"]?.jsonPrimitive?.contentOrNull ?: "activation failed")
            }
        }
        throw ActivationException("expired_token", "the code expired")
    }

    private fun post(path: String, form: FormBody): Pair<Boolean, String> {
        val request = Request.Builder()
            .url(AppConfig.BASE_URL + path)
            .header("X-Marquee-App-Key", AppConfig.APP_KEY)
            .post(form)
            .build()
        return http.newCall(request).execute().use { r -> r.isSuccessful to r.body?.string().orEmpty() }
    }
}
