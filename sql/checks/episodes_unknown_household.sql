-- A household id that is not in carers.csv (any row read, even one set aside for another
-- reason, counts as known).
select
    r._line,
    'HOUSEHOLD_ID is not in carers.csv' as reason,
    r."HOUSEHOLD_ID" as value
from valid_episodes as r
where r."HOUSEHOLD_ID" is not null
  and not exists (select 1 from read_carers as c where c."household_id" = r."HOUSEHOLD_ID")
order by r._line
