-- The rules a repository's scanned_tips were read with: a scan with other
-- rules must read the whole history again, not only new objects.
ALTER TABLE managed_repos ADD COLUMN scanned_rules TEXT;
COMMENT ON COLUMN managed_repos.scanned_rules IS 'Rules version scanned_tips were read with; NULL before the first successful full scan.';
