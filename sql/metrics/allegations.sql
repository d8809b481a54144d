-- allegations: allegations against foster carers.
--   allegations_month                 received in the reporting month
--   allegations_12m                   received in the 12 months to the date
--   allegations_per_100_households    received in the 12 months per 100 households approved on the date
--   allegations_lado_share            of those received in the 12 months, share referred to the LADO
--   allegations_substantiated_share   of those concluded in the 12 months, share substantiated
--   median_days_to_conclusion         of those concluded in the 12 months, median days from receipt
--   households_repeat_allegations_12m households with more than one allegation received in the 12 months
with allegations as (
    select
        *,
        date_received between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at') as received_in_window,
        date_concluded between getvariable('as_at') - interval 1 year + interval 1 day and getvariable('as_at') as concluded_in_window
    from stg_allegations
),

counts as (
    select
        count(*) filter (where date_received between date_trunc('month', getvariable('as_at')) and getvariable('as_at')) as in_month,
        count(*) filter (where received_in_window) as in_window,
        count(*) filter (where received_in_window and lado_referral_date <= getvariable('as_at')) as referred,
        count(*) filter (where concluded_in_window) as concluded,
        count(*) filter (where concluded_in_window and outcome = 'SUBSTANTIATED') as substantiated,
        median(date_diff('day', date_received, date_concluded)) filter (where concluded_in_window) as median_days
    from allegations
),

repeat_households as (
    select count(*) as households
    from (
        select household_id from allegations where received_in_window
        group by household_id having count(*) > 1
    )
),

households as (
    select count(*) as approved from int_households_on_date
),

final as (
    select 'allegations_month' as metric_id, in_month as numerator, null::bigint as denominator, null::double as value from counts
    union all select 'allegations_12m', in_window, null, null from counts
    union all select 'allegations_per_100_households', in_window, approved, null from counts, households
    union all select 'allegations_lado_share', referred, in_window, null from counts
    union all select 'allegations_substantiated_share', substantiated, concluded, null from counts
    union all select 'median_days_to_conclusion', null, concluded, median_days from counts
    union all select 'households_repeat_allegations_12m', households, null, null from repeat_households
)

select * from final
