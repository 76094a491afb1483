-- The storage's limit for the all-stations indicator table (GET /api/v1/indicators): the same
-- aggregate as Store::indicator_table (crates/storage/src/stations.rs) and
-- stationhub_domain::station::indicators, as one GROUP BY in the sqlite3 shell. For every
-- running station (active, rectifying): its current term year (the one holding :today, else
-- year 1 before the award and the last year after the term), and over that year's current
-- activities the agreement progress (max %), expert days per quarter, and the counts of
-- surveys, research outcomes, trainings (attendance >= :min_attendance), breakthroughs,
-- problems solved and achievements transferred. Dates are ISO text ('YYYY-MM-DD').
-- Month arithmetic: SQLite normalises (Jan 31 + 1 month = Mar 3) where the domain clamps
-- (Feb 28/29); the work done is the same. run.sh fills in the day, the term years and the minimum attendance.
WITH s AS (
  SELECT st.id, st.awarded_on,
    CASE
      WHEN '@TODAY@' < st.awarded_on THEN 1
      ELSE MIN(@YEARS@, 1 + CAST(strftime('%Y', '@TODAY@') AS INTEGER)
                          - CAST(strftime('%Y', st.awarded_on) AS INTEGER)
                          - (strftime('%m-%d', '@TODAY@') < strftime('%m-%d', st.awarded_on)))
    END AS yr
  FROM stations st
  WHERE st.status IN ('active', 'rectifying')
),
w AS (
  SELECT id,
    date(awarded_on, '+' || (12 * (yr - 1)) || ' months') AS ys,
    date(awarded_on, '+' || (12 * (yr - 1) + 3) || ' months') AS q2,
    date(awarded_on, '+' || (12 * (yr - 1) + 6) || ' months') AS q3,
    date(awarded_on, '+' || (12 * (yr - 1) + 9) || ' months') AS q4,
    date(awarded_on, '+' || (12 * yr) || ' months', '-1 day') AS ye
  FROM s
)
SELECT w.id,
  COALESCE(MAX(CASE WHEN a.kind = 'agreement_progress' THEN a.percent END), 0) AS progress,
  COALESCE(SUM(CASE WHEN a.kind = 'expert_service' AND a.on_date < w.q2 THEN a.days END), 0) AS days_q1,
  COALESCE(SUM(CASE WHEN a.kind = 'expert_service' AND a.on_date >= w.q2 AND a.on_date < w.q3 THEN a.days END), 0) AS days_q2,
  COALESCE(SUM(CASE WHEN a.kind = 'expert_service' AND a.on_date >= w.q3 AND a.on_date < w.q4 THEN a.days END), 0) AS days_q3,
  COALESCE(SUM(CASE WHEN a.kind = 'expert_service' AND a.on_date >= w.q4 THEN a.days END), 0) AS days_q4,
  COUNT(CASE WHEN a.kind = 'survey' THEN 1 END) AS surveys,
  COUNT(CASE WHEN a.kind = 'research_outcome' THEN 1 END) AS research_outcomes,
  COUNT(CASE WHEN a.kind = 'training' AND a.attendance >= @MIN_ATT@ THEN 1 END) AS trainings,
  COUNT(CASE WHEN a.kind = 'breakthrough' THEN 1 END) AS breakthroughs,
  COUNT(CASE WHEN a.kind = 'problem_solved' THEN 1 END) AS problems_solved,
  COUNT(CASE WHEN a.kind = 'achievement_transferred' THEN 1 END) AS achievements_transferred
FROM w
LEFT JOIN activities a
  ON a.station_id = w.id AND a.superseded_by IS NULL
 AND a.on_date >= w.ys AND a.on_date <= w.ye
GROUP BY w.id
ORDER BY w.id;
