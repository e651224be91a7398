import Foundation

// Shapes of graph/schema/storefront.graphqls, viewers.graphqls and
// playback.graphqls as the queries in Repository.swift select them.

struct Artwork: Decodable, Hashable {
    let key: String
    let width: Int
    let height: Int
    var url: URL? { URL(string: AppConfig.artworkBase + key) }
}

extension Array where Element == Artwork {
    /// The smallest image at least minWidth wide, else the largest.
    func best(_ minWidth: Int) -> Artwork? {
        sorted { $0.width < $1.width }.first { $0.width >= minWidth } ?? self.max { $0.width < $1.width }
    }
}

struct PageInfo: Decodable {
    let hasNextPage: Bool
    let endCursor: String?
}

struct GraphEdge<T: Decodable>: Decodable { let node: T }

struct Connection<T: Decodable>: Decodable {
    let edges: [GraphEdge<T>]
    let pageInfo: PageInfo?
    var nodes: [T] { edges.map(\.node) }
}

struct Rating: Decodable, Hashable {
    let system: String
    let value: String
}

struct SeriesRef: Decodable, Hashable {
    let id: String
    let title: String
}

struct Title: Decodable, Hashable, Identifiable {
    let id: String
    let kind: String
    let title: String
    let vertical: Bool?
    let durationSeconds: Int?
    let releaseYear: Int?
    let synopsis: String?
    let genres: [String]?
    let rating: Rating?
    let series: SeriesRef?
    let seasonNumber: Int?
    let episodeNumber: Int?
    let poster: [Artwork]
    let backdrop: [Artwork]

    var meta: String {
        ([releaseYear.map(String.init), rating?.value, formatDuration(durationSeconds)].compactMap { $0 } + (genres ?? []))
            .joined(separator: " · ")
    }
}

struct RailCollection: Decodable { let items: Connection<Title> }

struct Rail: Decodable, Identifiable {
    let id: String
    let title: String
    let collection: RailCollection
}

struct Season: Decodable, Identifiable {
    let id: String
    let number: Int
    let name: String
    let episodes: [Title]
}

struct Series: Decodable {
    let id: String
    let title: String
    let synopsis: String
    let genres: [String]
    let backdrop: [Artwork]
    let seasons: [Season]
}

struct ContinueItem: Decodable, Identifiable {
    let title: Title
    let positionSeconds: Int
    let durationSeconds: Int
    var id: String { title.id }
}

struct Tokens: Decodable {
    let accessToken: String
    let refreshToken: String
    let expiresIn: Int
    let deviceId: String
    let profileId: String?
}

struct Profile: Decodable {
    let id: String
    let name: String
    let pinProtected: Bool
}

struct SubtitleTrack: Decodable {
    let language: String
    let name: String
    let sdh: Bool
    let url: String
}

struct PlaybackSession: Decodable {
    let id: String
    let titleId: String?
    let hlsURL: String
    let expiresAt: String
    let resumePositionSeconds: Int
    let subtitles: [SubtitleTrack]
}

struct Refusal: Decodable {
    let code: String
    let reason: String
}

struct PlaybackResult: Decodable {
    let session: PlaybackSession?
    let refusal: Refusal?
}

/// "1 h 42 min", "23 min", nil for nothing.
func formatDuration(_ seconds: Int?) -> String? {
    guard let seconds, seconds > 0 else { return nil }
    let h = seconds / 3600, m = (seconds % 3600) / 60
    return h > 0 ? "\(h) h \(m) min" : "\(m) min"
}
