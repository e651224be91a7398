-- app_build_logs held every line of every build forever, though a finished
-- build's full log is also in blob storage (app_builds.log_key) and is read
-- from there. From now on apps.Finish deletes a build's lines in the
-- transaction that finishes it; this removes the lines of the builds that
-- finished before.

-- +goose Up
DELETE FROM app_build_logs l USING app_builds b
WHERE l.build_id = b.id AND b.status IN ('SUCCEEDED', 'FAILED') AND b.log_key <> '';

-- +goose Down
SELECT 'forward-only';
