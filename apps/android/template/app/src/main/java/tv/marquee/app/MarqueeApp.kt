package tv.marquee.app

import android.app.Application
import okhttp3.OkHttpClient
import tv.marquee.app.api.GraphQL
import tv.marquee.app.api.Repository
import tv.marquee.app.auth.DeviceActivation
import tv.marquee.app.auth.Session
import java.util.concurrent.TimeUnit

/** Holds the app's single HTTP client, session and repository. */
class MarqueeApp : Application() {
    lateinit var session: Session
        private set
    lateinit var repository: Repository
        private set
    lateinit var activation: DeviceActivation
        private set

    override fun onCreate() {
        super.onCreate()
        val http = OkHttpClient.Builder()
            .connectTimeout(10, TimeUnit.SECONDS)
            .readTimeout(20, TimeUnit.SECONDS)
            .build()
        session = Session(this, http)
        repository = Repository(GraphQL(http, session), session)
        activation = DeviceActivation(http, session)
    }
}
