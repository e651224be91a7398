package media

import "testing"

// Two playlists under one key never share IVs: an extra audio track's
// media_0.m3u8 in its own folder numbers apart from the top-level media_0.
func TestPlaylistNumbersDifferAcrossFolders(t *testing.T) {
	names := []string{"media_0.m3u8", "media_1.m3u8", "track_0/media_0.m3u8", "track_1/media_0.m3u8", "track_0/media_1.m3u8"}
	seen := map[uint64]string{}
	for _, n := range names {
		v := playlistNumber(n)
		if other, ok := seen[v]; ok {
			t.Fatalf("%s and %s share playlist number %d", n, other, v)
		}
		seen[v] = n
	}
	if playlistNumber("media_3.m3u8") != 3 {
		t.Fatalf("media_3.m3u8 numbers %d, want 3", playlistNumber("media_3.m3u8"))
	}
}
