-- stg_enquiries: one row per accepted recruitment enquiry.
with source as (
    select * from accepted_enquiries
),

renamed as (
    select
        enquiry_id,
        enquiry_date,
        application_date,
        approval_date,
        withdrawal_date,
        household_id,
        "_line" as source_line
    from source
)

select * from renamed
