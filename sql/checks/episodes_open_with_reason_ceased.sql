-- An open episode (DEC blank) with a reason it ceased (REC): either DEC is missing or REC was
-- filled in too early. The episode is kept and counted as open (a warning).
select
    _line,
    'DEC is blank (the episode is open) but REC is ' || "REC" as reason,
    "REC" as value
from valid_episodes
where "DEC" is null and "REC" is not null
order by _line
