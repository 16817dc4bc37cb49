-- The rules a repository's scanned_tips were read with: a scan with other
-- rules must read the whole history again, not only new objects.
ALTER TABLE managed_repos ADD COLUMN scanned_rules TEXT;

-- The job reporting on a pull request (`claim_pr`): two scans of one PR must
-- not both post threads. It counts only while that job is running with a
-- live lease, so it is never released; NULL until first claimed.
ALTER TABLE pr_states ADD COLUMN claim_job TEXT CHECK (claim_job IS NULL OR length(claim_job) = 36);
