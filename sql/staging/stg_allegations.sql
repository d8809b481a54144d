-- stg_allegations: one row per accepted allegation.
with source as (
    select * from accepted_allegations
),

renamed as (
    select
        allegation_id,
        household_id,
        date_received,
        category,
        lado_referral_date,
        outcome,
        date_concluded,
        "_line" as source_line
    from source
)

select * from renamed
