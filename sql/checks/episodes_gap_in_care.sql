-- An episode that says care continues (RNE other than S) when no earlier episode of the child
-- ends X1 on the day it starts: either a gap in care (RNE should be S) or a missing episode.
select
    e._line,
    'RNE ' || e."RNE" || ' continues care, but no episode of the child ends X1 on '
        || strftime(e."DECOM", '%d/%m/%Y') || ' (RNE S starts a new period of care)' as reason,
    e."RNE" as value
from valid_episodes as e
where e."RNE" <> 'S'
  and not exists (
      select 1 from read_episodes as p
      where p."CHILD" = e."CHILD" and p."DEC" = e."DECOM" and p."REC" = 'X1' and p._line <> e._line
  )
order by e._line
