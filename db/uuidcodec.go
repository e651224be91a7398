package db

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterTypes teaches a connection's type map google/uuid's UUID, which
// every id in Marquee is. Left to itself pgx finds that uuid.UUID is a
// database/sql Scanner and Valuer and goes through text: each id read is
// formatted by PostgreSQL's codec and parsed back by uuid.Parse, each id sent
// is formatted. The codec registered here is asked before that, so ids travel
// as their 16 bytes.
//
// Why our own (a few lines) and not pgx-google-uuid: that package adds wrap
// plans, which pgx consults only after its Scanner check, so they never apply
// to *uuid.UUID.
func RegisterTypes(tm *pgtype.Map) {
	t := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	tm.RegisterType(t)
	tm.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok {
		return scanUUID{format: format}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok {
		return encodeUUID{format: format}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type scanUUID struct{ format int16 }

// Scan reads NULL as uuid.Nil (uuid.UUID's own Scan, used before this codec,
// left the variable as it was, which for a fresh one is the same).
func (p scanUUID) Scan(src []byte, dst any) error {
	u := dst.(*uuid.UUID)
	switch {
	case src == nil:
		*u = uuid.Nil
	case p.format == pgtype.BinaryFormatCode:
		if len(src) != 16 {
			return fmt.Errorf("uuid: %d bytes, want 16", len(src))
		}
		copy(u[:], src)
	default:
		v, err := uuid.ParseBytes(src)
		if err != nil {
			return err
		}
		*u = v
	}
	return nil
}

type encodeUUID struct{ format int16 }

func (p encodeUUID) Encode(value any, buf []byte) ([]byte, error) {
	u := value.(uuid.UUID)
	if p.format == pgtype.BinaryFormatCode {
		return append(buf, u[:]...), nil
	}
	return append(buf, u.String()...), nil
}
