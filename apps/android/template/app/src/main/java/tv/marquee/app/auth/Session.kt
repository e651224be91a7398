package tv.marquee.app.auth

import android.content.Context
import android.os.Build
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import okhttp3.FormBody
import okhttp3.OkHttpClient
import okhttp3.Request
import tv.marquee.app.AppConfig
import tv.marquee.app.api.Tokens

/**
 * The viewer's tokens, kept in the app's private preferences. The access
 * token lives 15 minutes; refresh() trades the refresh token (once) at
 * BASE_URL/oauth/token for a new pair.
 */
class Session(private val context: Context, private val http: OkHttpClient) {
    private val prefs = context.getSharedPreferences("marquee.session", Context.MODE_PRIVATE)
    private val _signedIn = MutableStateFlow(prefs.getString("refresh", null) != null)
    val signedIn: StateFlow<Boolean> = _signedIn

    val accessToken: String? get() = prefs.getString("access", null)
    val deviceId: String? get() = prefs.getString("device", null)
    val profileId: String? get() = prefs.getString("profile", null)

    fun store(t: Tokens) {
        prefs.edit()
            .putString("access", t.accessToken)
            .putString("refresh", t.refreshToken)
            .putString("device", t.deviceId)
            .putString("profile", t.profileId)
            .apply()
        _signedIn.value = true
    }

    /** Forgets the tokens; the device id stays so a later sign-in keeps its slot. */
    fun clear() {
        prefs.edit().remove("access").remove("refresh").remove("profile").apply()
        _signedIn.value = false
    }

    /** The viewer's device platform, as DevicePlatform in viewers.graphqls. */
    fun devicePlatform(): String {
        val pm = context.packageManager
        return when {
            pm.hasSystemFeature("amazon.hardware.fire_tv") -> "FIRETV"
            pm.hasSystemFeature("android.software.leanback") -> "ANDROIDTV"
            else -> "ANDROID"
        }
    }

    fun deviceName(): String = "${Build.MANUFACTURER} ${Build.MODEL}".trim()

    /** Exchanges the refresh token; false (and signed out) when it is gone or refused. */
    @Synchronized
    fun refresh(): Boolean {
        val refresh = prefs.getString("refresh", null) ?: return false
        val request = Request.Builder()
            .url(AppConfig.BASE_URL + "/oauth/token")
            .header("X-Marquee-App-Key", AppConfig.APP_KEY)
            .post(FormBody.Builder().add("grant_type", "refresh_token").add("refresh_token", refresh).build())
            .build()
        return runCatching {
            http.newCall(request).execute().use { r ->
                val body = Json.parseToJsonElement(r.body?.string().orEmpty()).jsonObject
                if (!r.isSuccessful) {
                    // invalid_grant: the refresh token was used or revoked.
                    if (body["error"]?.jsonPrimitive?.contentOrNull == "invalid_grant") clear()
                    return@use false
                }
                store(tokensFromOAuth(body))
                true
            }
        }.getOrDefault(false)
    }
}

/** The token endpoint's JSON (RFC 6749 §5.1 plus device_id and profile_id). */
internal fun tokensFromOAuth(o: kotlinx.serialization.json.JsonObject): Tokens = Tokens(
    accessToken = o["access_token"]!!.jsonPrimitive.content,
    refreshToken = o["refresh_token"]!!.jsonPrimitive.content,
    expiresIn = o["expires_in"]!!.jsonPrimitive.content.toInt(),
    deviceId = o["device_id"]!!.jsonPrimitive.content,
    profileId = o["profile_id"]?.jsonPrimitive?.contentOrNull,
)
