-- A household id that is not in carers.csv (any row read, even one set aside for another
-- reason, counts as known).
select
    r._line,
    'household_id is not in carers.csv' as reason,
    r."household_id" as value
from valid_allegations as r
where r."household_id" is not null
  and not exists (select 1 from read_carers as c where c."household_id" = r."household_id")
order by r._line
