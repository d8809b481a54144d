-- recruitment: approvals in the financial year to each as-at date, approved households on the
-- date, and the net change in households over the 12 months to the date (the financial year's
-- and the 12 months' first days come with each date in as_at_dates).
-- Financial-year approvals count mainstream and short-breaks households only: connected-person
-- households are approved for a named child and sit outside the recruitment target.
-- reads_from: the earliest day each figure depends on (its period's first day).
with carers as (
    select * from stg_carers
),

dates as (
    select * from as_at_dates
),

flows as (
    select
        dates.as_at,
        dates.financial_year_start,
        dates.window_12m_start,
        count(*) filter (
            where household_type in ('mainstream', 'short_breaks')
              and approval_date between dates.financial_year_start and dates.as_at
        ) as approvals_fytd,
        count(*) filter (where approval_date between dates.window_12m_start and dates.as_at)
            - count(*) filter (where deregistration_date between dates.window_12m_start and dates.as_at) as net_change_12m
    from dates
    left join carers on true  -- every date gets its row, also with no carers on record
    group by dates.as_at, dates.financial_year_start, dates.window_12m_start
),

approved_households as (
    select dates.as_at, count(households.as_at) as households
    from dates
    left join int_households_on_date as households on households.as_at = dates.as_at
    group by dates.as_at
),

final as (
    select as_at, 'approvals_fytd' as metric_id, approvals_fytd as numerator, null::bigint as denominator, null::double as value, financial_year_start as reads_from from flows
    union all select as_at, 'approved_households', households, null, null, as_at from approved_households
    union all select as_at, 'net_change_12m', net_change_12m, null, null, window_12m_start from flows
)

select * from final
