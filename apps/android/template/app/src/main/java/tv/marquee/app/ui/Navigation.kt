package tv.marquee.app.ui

import android.net.Uri
import androidx.compose.runtime.mutableStateListOf
import androidx.compose.runtime.snapshots.SnapshotStateList
import tv.marquee.app.AppConfig

/** The app's screens; both flavours draw the same list. */
sealed interface Screen {
    data object Home : Screen
    data object Search : Screen
    data object Shorts : Screen
    data object MyList : Screen
    data object SignIn : Screen
    /** TV only: the RFC 8628 code screen. */
    data object Activate : Screen
    data class TitleDetails(val id: String) : Screen
    data class SeriesDetails(val id: String) : Screen
}

/** A back stack the system back button pops. */
class BackStack(start: Screen = Screen.Home) {
    val screens: SnapshotStateList<Screen> = mutableStateListOf(start)
    val top: Screen get() = screens.last()
    fun push(s: Screen) { screens.add(s) }
    /** Replaces the stack above Home by s (tabs). */
    fun root(s: Screen) { while (screens.size > 1) screens.removeAt(screens.lastIndex); if (s != Screen.Home) screens.add(s) }
    fun pop(): Boolean = if (screens.size > 1) { screens.removeAt(screens.lastIndex); true } else false
}

/**
 * Deep links: SCHEME://title/{id}, SCHEME://series/{id}, SCHEME://search,
 * SCHEME://shorts, SCHEME://mylist, and the web app's https …/title/{id}
 * and …/series/{id} pages.
 */
fun parseDeepLink(uri: Uri?): Screen? {
    uri ?: return null
    val parts = when (uri.scheme) {
        AppConfig.SCHEME -> listOfNotNull(uri.host) + uri.pathSegments
        "https", "http" -> uri.pathSegments.dropWhile { it != "title" && it != "series" }
        else -> return null
    }
    return when (parts.firstOrNull()) {
        "title" -> parts.getOrNull(1)?.let { Screen.TitleDetails(it) }
        "series" -> parts.getOrNull(1)?.let { Screen.SeriesDetails(it) }
        "search" -> Screen.Search
        "shorts" -> Screen.Shorts
        "mylist" -> Screen.MyList
        else -> null
    }
}

/** "1 h 42 min", "23 min". */
fun formatDuration(seconds: Int?): String {
    if (seconds == null || seconds <= 0) return ""
    val h = seconds / 3600
    val m = (seconds % 3600) / 60
    return if (h > 0) "$h h $m min" else "$m min"
}
