-- allegations_by_outcome: allegations concluded in the 12 months to the date set
-- (getvariable('as_at'); the 12 months start on its window_12m_start in as_at_dates), by
-- outcome, in plain words (code_labels, from the data contract). The counts add up to
-- allegations_substantiated_share's denominator.
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
    select
        'allegations_substantiated_share' as metric_id,
        case
            when allegations.outcome is null then 'Not recorded'
            else coalesce(labels.label, allegations.outcome)
        end as category,
        count(*) as count
    from allegations
    left join code_labels as labels
        on labels.extract = 'allegations' and labels.column_name = 'outcome'
        and labels.code = allegations.outcome
    group by all
)

select * from final order by category
