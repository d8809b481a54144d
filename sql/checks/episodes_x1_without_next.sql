-- An episode that ended X1 ("a new episode starts the same day") with no episode of the same
-- child starting on its DEC date: care seems to continue, but the next episode is missing.
select
    e._line,
    'ended X1 on ' || strftime(e."DEC", '%d/%m/%Y') || ' but no episode of the child starts that day' as reason,
    e."REC" as value
from valid_episodes as e
where e."REC" = 'X1'
  and e."DEC" is not null
  and not exists (
      select 1 from read_episodes as n
      where n."CHILD" = e."CHILD" and n."DECOM" = e."DEC" and n._line <> e._line
  )
order by e._line
