package tv.marquee.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import tv.marquee.app.ui.BackStack
import tv.marquee.app.ui.MobileApp
import tv.marquee.app.ui.parseDeepLink

/** Phones and tablets: one activity, Compose screens, the player in its own activity. */
class MainActivity : ComponentActivity() {
    private val stack = BackStack()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        parseDeepLink(intent?.data)?.let(stack::push)
        val app = application as MarqueeApp
        setContent { MobileApp(app.repository, app.session, stack) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        parseDeepLink(intent.data)?.let(stack::push)
    }
}
