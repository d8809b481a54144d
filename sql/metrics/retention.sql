-- retention: households deregistered in the 12 months to each as-at date, and the share of
-- households approved in the 12 months ending a year before the date (the first year of the 2
-- years to the date: from window_2y_start up to the day before window_12m_start) that were
-- still approved on the first anniversary of their approval.
-- reads_from: the earliest day each figure depends on (the 12 months' first day; the 2 years'
-- first day for the retention cohort).
with carers as (
    select * from stg_carers
),

dates as (
    select * from as_at_dates
),

flows as (
    select
        dates.as_at,
        dates.window_12m_start,
        dates.window_2y_start,
        count(*) filter (where deregistration_date between window_12m_start and as_at) as deregistrations,
        count(*) filter (where approval_date >= window_2y_start and approval_date < window_12m_start) as cohort,
        count(*) filter (
            where approval_date >= window_2y_start and approval_date < window_12m_start
              and (deregistration_date is null or deregistration_date > approval_date + interval 1 year)
        ) as still_approved
    from dates
    left join carers on true  -- every date gets its row, also with no carers on record
    group by dates.as_at, dates.window_12m_start, dates.window_2y_start
),

final as (
    select as_at, 'deregistrations_12m' as metric_id, deregistrations as numerator, null::bigint as denominator, null::double as value, window_12m_start as reads_from from flows
    union all select as_at, 'retention_after_one_year', still_approved, cohort, null, window_2y_start from flows
)

select * from final
