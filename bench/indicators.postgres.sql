-- The storage's limit for the all-stations indicator table on PostgreSQL: the same aggregate
-- as indicators.sqlite.sql (see there), in psql. Month arithmetic clamps like the domain's.
-- run.sh fills in the day, the term years and the minimum attendance.
WITH s AS (
  SELECT st.id, st.awarded_on,
    CASE
      WHEN DATE '@TODAY@' < st.awarded_on THEN 1
      ELSE LEAST(@YEARS@, 1 + EXTRACT(YEAR FROM age(DATE '@TODAY@', st.awarded_on))::int)
    END AS yr
  FROM stations st
  WHERE st.status IN ('active', 'rectifying')
),
w AS (
  SELECT id,
    (awarded_on + make_interval(months => 12 * (yr - 1)))::date AS ys,
    (awarded_on + make_interval(months => 12 * (yr - 1) + 3))::date AS q2,
    (awarded_on + make_interval(months => 12 * (yr - 1) + 6))::date AS q3,
    (awarded_on + make_interval(months => 12 * (yr - 1) + 9))::date AS q4,
    (awarded_on + make_interval(months => 12 * yr))::date - 1 AS ye
  FROM s
)
SELECT w.id,
  COALESCE(MAX(a.percent) FILTER (WHERE a.kind = 'agreement_progress'), 0) AS progress,
  COALESCE(SUM(a.days) FILTER (WHERE a.kind = 'expert_service' AND a.on_date < w.q2), 0) AS days_q1,
  COALESCE(SUM(a.days) FILTER (WHERE a.kind = 'expert_service' AND a.on_date >= w.q2 AND a.on_date < w.q3), 0) AS days_q2,
  COALESCE(SUM(a.days) FILTER (WHERE a.kind = 'expert_service' AND a.on_date >= w.q3 AND a.on_date < w.q4), 0) AS days_q3,
  COALESCE(SUM(a.days) FILTER (WHERE a.kind = 'expert_service' AND a.on_date >= w.q4), 0) AS days_q4,
  COUNT(*) FILTER (WHERE a.kind = 'survey') AS surveys,
  COUNT(*) FILTER (WHERE a.kind = 'research_outcome') AS research_outcomes,
  COUNT(*) FILTER (WHERE a.kind = 'training' AND a.attendance >= @MIN_ATT@) AS trainings,
  COUNT(*) FILTER (WHERE a.kind = 'breakthrough') AS breakthroughs,
  COUNT(*) FILTER (WHERE a.kind = 'problem_solved') AS problems_solved,
  COUNT(*) FILTER (WHERE a.kind = 'achievement_transferred') AS achievements_transferred
FROM w
LEFT JOIN activities a
  ON a.station_id = w.id AND a.superseded_by IS NULL
 AND a.on_date >= w.ys AND a.on_date <= w.ye
GROUP BY w.id
ORDER BY w.id;
