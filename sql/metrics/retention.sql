-- retention: households deregistered in the 12 months to each as-at date, and the share of
-- households approved in the 12 months ending a year before the date that were still
-- approved on the first anniversary of their approval.
with carers as (
    select * from stg_carers
),

window_bounds as (
    select
        as_at,
        (as_at - interval 1 year + interval 1 day)::date as window_start,
        (as_at - interval 2 year + interval 1 day)::date as cohort_start,
        (as_at - interval 1 year)::date as cohort_end
    from as_at_dates
),

flows as (
    select
        window_bounds.as_at,
        count(*) filter (where deregistration_date between window_start and as_at) as deregistrations,
        count(*) filter (where approval_date between cohort_start and cohort_end) as cohort,
        count(*) filter (
            where approval_date between cohort_start and cohort_end
              and (deregistration_date is null or deregistration_date > approval_date + interval 1 year)
        ) as still_approved
    from window_bounds
    left join carers on true  -- every date gets its row, also with no carers on record
    group by window_bounds.as_at
),

final as (
    select as_at, 'deregistrations_12m' as metric_id, deregistrations as numerator, null::bigint as denominator, null::double as value from flows
    union all select as_at, 'retention_after_one_year', still_approved, cohort, null from flows
)

select * from final
