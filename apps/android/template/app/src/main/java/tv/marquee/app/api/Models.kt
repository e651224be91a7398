package tv.marquee.app.api

import kotlinx.serialization.Serializable
import tv.marquee.app.AppConfig

// Shapes of graph/schema/storefront.graphqls, viewers.graphqls and
// playback.graphqls as the queries in Repository.kt select them.

@Serializable
data class Artwork(val key: String, val width: Int, val height: Int) {
    val url: String get() = AppConfig.ARTWORK_BASE + key
}

/** The smallest image at least minWidth wide, else the largest. */
fun List<Artwork>.best(minWidth: Int): Artwork? =
    sortedBy { it.width }.firstOrNull { it.width >= minWidth } ?: maxByOrNull { it.width }

@Serializable
data class PageInfo(val hasNextPage: Boolean = false, val endCursor: String? = null)

@Serializable
data class Edge<T>(val node: T)

@Serializable
data class Connection<T>(val edges: List<Edge<T>> = emptyList(), val pageInfo: PageInfo = PageInfo()) {
    val nodes: List<T> get() = edges.map { it.node }
}

@Serializable
data class Rating(val system: String, val value: String)

@Serializable
data class SeriesRef(val id: String, val title: String)

@Serializable
data class Title(
    val id: String,
    val kind: String,
    val title: String,
    val synopsis: String = "",
    val genres: List<String> = emptyList(),
    val rating: Rating? = null,
    val durationSeconds: Int? = null,
    val releaseYear: Int? = null,
    val vertical: Boolean = false,
    val series: SeriesRef? = null,
    val seasonNumber: Int? = null,
    val episodeNumber: Int? = null,
    val poster: List<Artwork> = emptyList(),
    val backdrop: List<Artwork> = emptyList(),
)

@Serializable
data class RailCollection(val items: Connection<Title> = Connection())

@Serializable
data class Rail(val id: String, val title: String, val collection: RailCollection)

@Serializable
data class Season(val id: String, val number: Int, val name: String, val episodes: List<Title> = emptyList())

@Serializable
data class Series(
    val id: String,
    val title: String,
    val synopsis: String = "",
    val genres: List<String> = emptyList(),
    val backdrop: List<Artwork> = emptyList(),
    val seasons: List<Season> = emptyList(),
)

@Serializable
data class ContinueItem(val title: Title, val positionSeconds: Int, val durationSeconds: Int)

@Serializable
data class Tokens(
    val accessToken: String,
    val refreshToken: String,
    val expiresIn: Int,
    val deviceId: String,
    val profileId: String? = null,
)

@Serializable
data class Profile(val id: String, val name: String, val pinProtected: Boolean = false)

@Serializable
data class SubtitleTrack(val language: String, val name: String, val sdh: Boolean = false, val url: String)

@Serializable
data class PlaybackSession(
    val id: String,
    val titleId: String? = null,
    val hlsURL: String,
    val expiresAt: String,
    val resumePositionSeconds: Int = 0,
    val subtitles: List<SubtitleTrack> = emptyList(),
)

@Serializable
data class Refusal(val code: String, val reason: String)

@Serializable
data class PlaybackResult(val session: PlaybackSession? = null, val refusal: Refusal? = null)
