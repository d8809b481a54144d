-- An episode that says care continues (RNE other than S) when no earlier episode of the child
-- ends X1 on the day it starts: either a gap in care (RNE should be S) or a missing episode.
-- Counting the X1 endings per child and day (and not counting the episode's own ending) is one
-- pass, where a per-episode look-up excluding itself is a slow nested join at national scale.
with x1_endings as (
    select "CHILD", "DEC" as day, count(*) as endings
    from read_episodes
    where "REC" = 'X1' and "DEC" is not null and "CHILD" is not null
    group by "CHILD", "DEC"
)

select
    e._line,
    'RNE ' || e."RNE" || ' continues care, but no episode of the child ends X1 on '
        || strftime(e."DECOM", '%d/%m/%Y') || ' (RNE S starts a new period of care)' as reason,
    e."RNE" as value
from valid_episodes as e
left join x1_endings as x on x."CHILD" = e."CHILD" and x.day = e."DECOM"
where e."RNE" <> 'S'
  and coalesce(x.endings, 0)
      <= case when e."REC" = 'X1' and e."DEC" = e."DECOM" and e."CHILD" is not null then 1 else 0 end
order by e._line
