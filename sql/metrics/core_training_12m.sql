-- core_training_12m: households (not connected persons) whose first anniversary of approval
-- fell in the 12 months to the date and who were still approved on it; numerator: those who
-- had completed the Training, Support and Development standards (course TSD) by then.
with carers as (
    select
        *,
        approval_date + interval 12 month as training_deadline
    from stg_carers
    where household_type <> 'connected'
),

cohort as (
    select * from carers
    where training_deadline <= getvariable('as_at')
      and training_deadline >= getvariable('as_at') - interval 1 year + interval 1 day
      and (deregistration_date is null or deregistration_date > training_deadline)
),

completed_on_time as (
    select distinct cohort.household_id
    from cohort
    inner join stg_training as training
        on training.household_id = cohort.household_id
        and training.course = 'TSD'
        and training.completed_date <= cohort.training_deadline
)

select
    count(completed_on_time.household_id) as numerator,
    count(*) as denominator
from cohort
left join completed_on_time using (household_id)
