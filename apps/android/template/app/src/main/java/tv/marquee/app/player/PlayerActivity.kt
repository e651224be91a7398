package tv.marquee.app.player

import android.content.Context
import android.content.Intent
import android.os.Bundle
import android.widget.Toast
import androidx.activity.ComponentActivity
import androidx.annotation.OptIn
import androidx.lifecycle.lifecycleScope
import androidx.media3.common.C
import androidx.media3.common.MediaItem
import androidx.media3.common.MimeTypes
import androidx.media3.common.util.UnstableApi
import androidx.media3.exoplayer.ExoPlayer
import androidx.media3.ui.PlayerView
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import tv.marquee.app.MarqueeApp
import tv.marquee.app.R
import tv.marquee.app.api.PlaybackSession
import java.util.Locale

/**
 * Plays a title with Media3: starts a playback session (the API checks the
 * window, country, rating, entitlement and stream limit), opens its HLS master
 * (the master lists the WebVTT subtitles, which the subtitle button offers),
 * seeks to the resume position, sends a heartbeat with the position every
 * 30 seconds and ends the session when the viewer leaves.
 */
class PlayerActivity : ComponentActivity() {
    companion object {
        private const val EXTRA_TITLE = "titleId"
        fun intent(context: Context, titleId: String): Intent =
            Intent(context, PlayerActivity::class.java).putExtra(EXTRA_TITLE, titleId)
    }

    private val repo get() = (application as MarqueeApp).repository
    private var player: ExoPlayer? = null
    private var session: PlaybackSession? = null
    private var heartbeat: Job? = null

    @OptIn(UnstableApi::class)
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val view = PlayerView(this).apply {
            setShowSubtitleButton(true)
            keepScreenOn = true
        }
        setContentView(view)
        val titleId = intent.getStringExtra(EXTRA_TITLE) ?: return finish()
        lifecycleScope.launch {
            val result = runCatching { repo.startPlayback(titleId) }.getOrElse {
                Toast.makeText(this@PlayerActivity, it.message ?: getString(R.string.error_generic), Toast.LENGTH_LONG).show()
                finish()
                return@launch
            }
            val s = result.session
            if (s == null) {
                Toast.makeText(this@PlayerActivity, result.refusal?.reason ?: getString(R.string.error_generic), Toast.LENGTH_LONG).show()
                finish()
                return@launch
            }
            session = s
            val exo = ExoPlayer.Builder(this@PlayerActivity).build().also { player = it }
            exo.trackSelectionParameters = exo.trackSelectionParameters.buildUpon()
                .setPreferredTextLanguage(Locale.getDefault().language)
                .setPreferredAudioLanguage(Locale.getDefault().language)
                .build()
            view.player = exo
            exo.setMediaItem(MediaItem.Builder().setUri(s.hlsURL).setMimeType(MimeTypes.APPLICATION_M3U8).build())
            if (s.resumePositionSeconds > 0) exo.seekTo(s.resumePositionSeconds * 1000L)
            exo.prepare()
            exo.playWhenReady = true
            heartbeat = launch {
                while (isActive) {
                    delay(30_000)
                    beat(titleId)
                }
            }
        }
    }

    private suspend fun beat(titleId: String) {
        val s = session ?: return
        val p = player ?: return
        val duration = p.duration.takeIf { it != C.TIME_UNSET }?.div(1000)?.toInt() ?: 0
        runCatching { repo.heartbeat(s.id, titleId, (p.currentPosition / 1000).toInt(), duration) }
    }

    override fun onStop() {
        super.onStop()
        player?.pause()
    }

    @kotlin.OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
    override fun onDestroy() {
        heartbeat?.cancel()
        val s = session
        val titleId = intent.getStringExtra(EXTRA_TITLE)
        if (s != null && titleId != null) {
            // The last position and the session's end must reach the API even as the activity goes.
            val app = application as MarqueeApp
            val p = player
            val pos = ((p?.currentPosition ?: 0) / 1000).toInt()
            val dur = p?.duration?.takeIf { it != C.TIME_UNSET }?.div(1000)?.toInt() ?: 0
            kotlinx.coroutines.GlobalScope.launch {
                withContext(NonCancellable) {
                    runCatching { app.repository.heartbeat(s.id, titleId, pos, dur) }
                    runCatching { app.repository.endPlayback(s.id) }
                }
            }
        }
        player?.release()
        player = null
        super.onDestroy()
    }
}
