-- int_households_on_date: for each as-at date, every fostering household approved that day
-- (approved on or before it, not deregistered by it), with its approved places. Carers only:
-- the children placed with a household come from the episodes, in sufficiency_filled_places.sql.
select dates.as_at, stg_carers.*
from stg_carers
inner join as_at_dates as dates
    on stg_carers.approval_date <= dates.as_at
    and (stg_carers.deregistration_date is null or stg_carers.deregistration_date > dates.as_at)
