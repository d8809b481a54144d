-- Every child with episodes must be in the header extract (it gives the date of birth).
select
    e._line,
    'CHILD is not in header.csv' as reason,
    e."CHILD" as value
from valid_episodes as e
where not exists (select 1 from read_header as h where h."CHILD" = e."CHILD")
order by e._line
