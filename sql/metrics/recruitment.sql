-- recruitment: approvals in the financial year to date, approved households on the date,
-- and the net change in households over the 12 months to the date.
-- Financial-year approvals count mainstream and short-breaks households only: connected-person
-- households are approved for a named child and sit outside the recruitment target.
with carers as (
    select * from stg_carers
),

dates as (
    select
        getvariable('as_at') as as_at,
        make_date(
            year(getvariable('as_at')) - (case when month(getvariable('as_at')) < 4 then 1 else 0 end), 4, 1
        ) as financial_year_start,
        (getvariable('as_at') - interval 1 year + interval 1 day)::date as window_start
),

approvals_fytd as (
    select 'approvals_fytd' as metric_id, count(*) as numerator, null::bigint as denominator, null::double as value
    from carers, dates
    where household_type in ('mainstream', 'short_breaks')
      and approval_date between dates.financial_year_start and dates.as_at
),

approved_households as (
    select 'approved_households' as metric_id, count(*) as numerator, null::bigint as denominator, null::double as value
    from int_households_on_date
),

net_change_12m as (
    select
        'net_change_12m' as metric_id,
        count(*) filter (where approval_date between dates.window_start and dates.as_at)
            - count(*) filter (where deregistration_date between dates.window_start and dates.as_at) as numerator,
        null::bigint as denominator,
        null::double as value
    from carers, dates
),

final as (
    select * from approvals_fytd
    union all select * from approved_households
    union all select * from net_change_12m
)

select * from final
