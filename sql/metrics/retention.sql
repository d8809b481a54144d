-- retention: households deregistered in the 12 months to the date, and the share of
-- households approved in the 12 months ending a year before the date that were still
-- approved on the first anniversary of their approval.
with carers as (
    select * from stg_carers
),

window_bounds as (
    select
        getvariable('as_at') as as_at,
        (getvariable('as_at') - interval 1 year + interval 1 day)::date as window_start,
        (getvariable('as_at') - interval 2 year + interval 1 day)::date as cohort_start,
        (getvariable('as_at') - interval 1 year)::date as cohort_end
),

deregistrations as (
    select 'deregistrations_12m' as metric_id, count(*) as numerator, null::bigint as denominator, null::double as value
    from carers, window_bounds
    where deregistration_date between window_start and as_at
),

cohort as (
    select
        (deregistration_date is null or deregistration_date > approval_date + interval 1 year) as still_approved
    from carers, window_bounds
    where approval_date between cohort_start and cohort_end
),

retained as (
    select 'retention_after_one_year' as metric_id, count(*) filter (where still_approved) as numerator,
           count(*) as denominator, null::double as value
    from cohort
),

final as (
    select * from deregistrations
    union all select * from retained
)

select * from final
