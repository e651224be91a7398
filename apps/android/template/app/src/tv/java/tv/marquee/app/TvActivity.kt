package tv.marquee.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import tv.marquee.app.ui.BackStack
import tv.marquee.app.ui.TvApp
import tv.marquee.app.ui.parseDeepLink

/** Android TV and Fire TV: Compose for TV screens driven by the remote's D-pad. */
class TvActivity : ComponentActivity() {
    private val stack = BackStack()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        parseDeepLink(intent?.data)?.let(stack::push)
        val app = application as MarqueeApp
        setContent { TvApp(app.repository, app.session, app.activation, stack) }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        parseDeepLink(intent.data)?.let(stack::push)
    }
}
