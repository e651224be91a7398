package media

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/Eyevinn/dash-mpd/mpd"
)

// DASH signalling of the sidecar tracks (ISO/IEC 23009-1 roles; DVB and
// DASH-IF use the TV-Anytime audio purpose for audio description).
const (
	roleScheme          = "urn:mpeg:dash:role:2011"
	audioPurposeScheme  = "urn:tva:metadata:cs:AudioPurposeCS:2007"
	audioPurposeVisImp  = "1" // for the visually impaired: audio description
	textBandwidth       = 256
	textRepresentPrefix = "text_"
	audioRepresentPref  = "track_"
)

// LabelMPDAudio names the MPD's audio adaptation sets (ffmpeg's, the
// source's own audio, in order) after tracks: lang, Label and Role main for
// the default, alternate for the others.
func LabelMPDAudio(manifest []byte, tracks []AudioTrack) ([]byte, error) {
	m, err := readMPD(manifest)
	if err != nil {
		return nil, err
	}
	i := 0
	def := defaultIndex(len(tracks), func(i int) bool { return tracks[i].Default })
	for _, as := range m.Periods[0].AdaptationSets {
		if !isAudio(as) || i >= len(tracks) {
			continue
		}
		labelAudio(as, tracks[i], i, i == def)
		i++
	}
	return writeMPD(m)
}

// AddMPDAudio adds a sidecar audio track's adaptation set to the MPD: the
// audio set of trackMPD (the manifest PlanAudioTrack wrote in the package's
// folder dir), its segment paths prefixed with dir, its representation
// renamed to be unique, labelled after t. Never the default: the source's
// own audio is.
func AddMPDAudio(manifest, trackMPD []byte, dir string, idx int, t AudioTrack) ([]byte, error) {
	m, err := readMPD(manifest)
	if err != nil {
		return nil, err
	}
	sub, err := readMPD(trackMPD)
	if err != nil {
		return nil, fmt.Errorf("media.AddMPDAudio: the track's MPD: %w", err)
	}
	var as *mpd.AdaptationSetType
	for _, a := range sub.Periods[0].AdaptationSets {
		if isAudio(a) && len(a.Representations) > 0 {
			as = a
			break
		}
	}
	if as == nil {
		return nil, fmt.Errorf("media.AddMPDAudio: the track's MPD has no audio")
	}
	as.Id = mpd.Ptr(nextSetID(m))
	for k, r := range as.Representations {
		st := r.SegmentTemplate
		if st == nil {
			st = as.SegmentTemplate
		}
		if st == nil {
			return nil, fmt.Errorf("media.AddMPDAudio: representation %s has no segment template", r.Id)
		}
		st.Initialization = dir + "/" + strings.ReplaceAll(st.Initialization, "$RepresentationID$", r.Id)
		st.Media = dir + "/" + strings.ReplaceAll(st.Media, "$RepresentationID$", r.Id)
		r.Id = fmt.Sprintf("%s%d_%d", audioRepresentPref, idx, k)
	}
	labelAudio(as, t, idx, false)
	// Adding track idx again (a retried activity) replaces it.
	p := m.Periods[0]
	kept := p.AdaptationSets[:0]
	for _, old := range p.AdaptationSets {
		if !(len(old.Representations) > 0 && strings.HasPrefix(old.Representations[0].Id, fmt.Sprintf("%s%d_", audioRepresentPref, idx))) {
			kept = append(kept, old)
		}
	}
	p.AdaptationSets = append(kept, as)
	return writeMPD(m)
}

func labelAudio(as *mpd.AdaptationSetType, t AudioTrack, i int, isDefault bool) {
	as.Lang = cleanLanguage(t.Language)
	as.Labels = []*mpd.LabelType{{Value: trackName(t.Name, t.Language, i)}}
	role := "alternate"
	if isDefault {
		role = "main"
	}
	as.Roles = []*mpd.DescriptorType{mpd.NewDescriptor(roleScheme, role, "")}
	as.Accessibilities = nil
	if t.Descriptive {
		as.Roles = append(as.Roles, mpd.NewDescriptor(roleScheme, "description", ""))
		as.Accessibilities = []*mpd.DescriptorType{mpd.NewDescriptor(audioPurposeScheme, audioPurposeVisImp, "")}
	}
}

// SetMPDSubtitles makes tracks the MPD's text adaptation sets, replacing
// every text set there was: one per track, mimeType text/vtt, lang, Role
// subtitle or (SDH) caption, the WebVTT file (SubtitleTrack.VTT) as the
// representation's BaseURL. Nothing else in the MPD changes.
func SetMPDSubtitles(manifest []byte, tracks []SubtitleTrack) ([]byte, error) {
	m, err := readMPD(manifest)
	if err != nil {
		return nil, err
	}
	p := m.Periods[0]
	kept := p.AdaptationSets[:0]
	for _, as := range p.AdaptationSets {
		if string(as.ContentType) != "text" {
			kept = append(kept, as)
		}
	}
	p.AdaptationSets = kept
	for i, t := range tracks {
		if t.VTT == "" {
			return nil, fmt.Errorf("media.SetMPDSubtitles: track %d has no WebVTT file", i)
		}
		role := "subtitle"
		if t.SDH {
			role = "caption"
		}
		as := &mpd.AdaptationSetType{
			Id:          mpd.Ptr(nextSetID(m)),
			Lang:        cleanLanguage(t.Language),
			ContentType: "text",
			Roles:       []*mpd.DescriptorType{mpd.NewDescriptor(roleScheme, role, "")},
		}
		as.MimeType = "text/vtt"
		as.Labels = []*mpd.LabelType{{Value: trackName(t.Name, t.Language, i)}}
		as.Representations = []*mpd.RepresentationType{{
			Id: fmt.Sprintf("%s%d", textRepresentPrefix, i), Bandwidth: textBandwidth,
			BaseURLs: []*mpd.BaseURLType{mpd.NewBaseURL(t.VTT)},
		}}
		p.AdaptationSets = append(p.AdaptationSets, as)
	}
	return writeMPD(m)
}

func isAudio(as *mpd.AdaptationSetType) bool {
	if as.ContentType == "audio" || strings.HasPrefix(as.MimeType, "audio/") {
		return true
	}
	return len(as.Representations) > 0 && strings.HasPrefix(as.Representations[0].MimeType, "audio/")
}

func nextSetID(m *mpd.MPD) uint32 {
	var next uint32
	for _, as := range m.Periods[0].AdaptationSets {
		if as.Id != nil && *as.Id >= next {
			next = *as.Id + 1
		}
	}
	return next
}

func readMPD(data []byte) (*mpd.MPD, error) {
	m, err := mpd.MPDFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("media: the MPD does not parse: %w", err)
	}
	if len(m.Periods) != 1 {
		return nil, fmt.Errorf("media: the MPD has %d periods, want 1", len(m.Periods))
	}
	return m, nil
}

func writeMPD(m *mpd.MPD) ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.Write(&b, "  ", true); err != nil {
		return nil, fmt.Errorf("media: write the MPD: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
