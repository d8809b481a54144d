-- An episode that ended X1 ("a new episode starts the same day") with no episode of the same
-- child starting on its DEC date: care seems to continue, but the next episode is missing.
-- Counting the starts per child and day (and not counting the episode's own start) is one
-- pass, where a per-episode look-up excluding itself is a slow nested join at national scale.
with starts as (
    select "CHILD", "DECOM" as day, count(*) as starting
    from read_episodes
    where "DECOM" is not null and "CHILD" is not null
    group by "CHILD", "DECOM"
)

select
    e._line,
    'ended X1 on ' || strftime(e."DEC", '%d/%m/%Y') || ' but no episode of the child starts that day' as reason,
    e."REC" as value
from valid_episodes as e
left join starts as s on s."CHILD" = e."CHILD" and s.day = e."DEC"
where e."REC" = 'X1'
  and e."DEC" is not null
  and coalesce(s.starting, 0) <= case when e."DECOM" = e."DEC" and e."CHILD" is not null then 1 else 0 end
order by e._line
