-- allegations: allegations against foster carers, for each as-at date.
--   allegations_month                 received in the reporting month
--   allegations_12m                   received in the 12 months to the date
--   allegations_per_100_households    received in the 12 months per 100 households approved on the date
--   allegations_lado_share            of those received in the 12 months, share referred to the LADO
--   allegations_substantiated_share   of those concluded in the 12 months, share substantiated
--   median_days_to_conclusion         of those concluded in the 12 months, median days from receipt
--   households_repeat_allegations_12m households with more than one allegation received in the 12 months
-- The month and the 12 months start on month_start and window_12m_start of as_at_dates;
-- reads_from: the earliest day each figure depends on (its period's first day).
with dates as (
    select * from as_at_dates
),

allegations as (
    select
        dates.as_at,
        stg_allegations.*,
        date_received between dates.month_start and dates.as_at as received_in_month,
        date_received between dates.window_12m_start and dates.as_at as received_in_window,
        date_concluded between dates.window_12m_start and dates.as_at as concluded_in_window
    from dates
    left join stg_allegations on true  -- every date gets its row, also with no allegations on record
),

counts as (
    select
        as_at,
        count(*) filter (where received_in_month) as in_month,
        count(*) filter (where received_in_window) as in_window,
        count(*) filter (where received_in_window and lado_referral_date <= as_at) as referred,
        count(*) filter (where concluded_in_window) as concluded,
        count(*) filter (where concluded_in_window and outcome = 'SUBSTANTIATED') as substantiated,
        median(date_diff('day', date_received, date_concluded)) filter (where concluded_in_window) as median_days
    from allegations
    group by as_at
),

repeated as (
    select as_at, household_id
    from allegations
    where received_in_window
    group by as_at, household_id
    having count(*) > 1
),

repeat_households as (
    select dates.as_at, count(repeated.as_at) as households
    from dates
    left join repeated on repeated.as_at = dates.as_at
    group by dates.as_at
),

households as (
    select dates.as_at, count(approved.as_at) as approved
    from dates
    left join int_households_on_date as approved on approved.as_at = dates.as_at
    group by dates.as_at
),

final as (
    select as_at, 'allegations_month' as metric_id, in_month as numerator, null::bigint as denominator, null::double as value, month_start as reads_from from counts inner join dates using (as_at)
    union all select as_at, 'allegations_12m', in_window, null, null, window_12m_start from counts inner join dates using (as_at)
    union all select as_at, 'allegations_per_100_households', in_window, approved, null, window_12m_start from counts inner join households using (as_at) inner join dates using (as_at)
    union all select as_at, 'allegations_lado_share', referred, in_window, null, window_12m_start from counts inner join dates using (as_at)
    union all select as_at, 'allegations_substantiated_share', substantiated, concluded, null, window_12m_start from counts inner join dates using (as_at)
    union all select as_at, 'median_days_to_conclusion', null, concluded, median_days, window_12m_start from counts inner join dates using (as_at)
    union all select as_at, 'households_repeat_allegations_12m', households, null, null, window_12m_start from repeat_households inner join dates using (as_at)
)

select * from final
