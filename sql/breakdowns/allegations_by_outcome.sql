-- allegations_by_outcome: allegations concluded in the 12 months to the date set
-- (getvariable('as_at'); the 12 months start on its window_12m_start in as_at_dates), by outcome.
with reporting_date as (
    select * from as_at_dates where as_at = getvariable('as_at')
),

allegations as (
    select stg_allegations.*
    from stg_allegations
    inner join reporting_date
        on stg_allegations.date_concluded between reporting_date.window_12m_start and reporting_date.as_at
),

final as (
    select 'allegations_substantiated_share' as metric_id, coalesce(outcome, 'NOT RECORDED') as category, count(*) as count
    from allegations
    group by all
)

select * from final order by category
