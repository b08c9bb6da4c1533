//! Contact's field metadata: what describe reports and what validation, SOQL and the Outbound Message
//! builder rely on. Field names are matched case-insensitively, as Salesforce does.

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Id,
    String,
    Email,
    Phone,
    TextArea,
    Reference,
    Boolean,
    DateTime,
}

impl FieldType {
    fn api_name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::String => "string",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::TextArea => "textarea",
            Self::Reference => "reference",
            Self::Boolean => "boolean",
            Self::DateTime => "datetime",
        }
    }

    fn soap_type(self) -> &'static str {
        match self {
            Self::Id | Self::Reference => "tns:ID",
            Self::Boolean => "xsd:boolean",
            Self::DateTime => "xsd:dateTime",
            _ => "xsd:string",
        }
    }

    /// Whether values are strings with a maximum length.
    pub fn is_text(self) -> bool {
        matches!(self, Self::String | Self::Email | Self::Phone | Self::TextArea)
    }

    /// Whether values are record ids (the record's own or a lookup's), 18 characters long.
    pub fn is_id(self) -> bool {
        matches!(self, Self::Id | Self::Reference)
    }
}

#[derive(Debug, Clone)]
pub struct FieldDef {
    pub name: String,
    pub label: &'static str,
    pub ftype: FieldType,
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub external_id: bool,
    pub unique: bool,
    /// Whether values are compared case-sensitively (External ID text fields are not, unless marked).
    pub case_sensitive: bool,
    pub custom: bool,
}

impl FieldDef {
    fn new(name: &str, label: &'static str, ftype: FieldType, length: u32) -> Self {
        Self {
            name: name.into(),
            label,
            ftype,
            length,
            nillable: true,
            createable: true,
            updateable: true,
            external_id: false,
            unique: false,
            case_sensitive: false,
            custom: false,
        }
    }

    /// Whether two values of this field are the same, as lookups by external id and the uniqueness check
    /// compare them: exactly when the field is case-sensitive, ignoring case otherwise.
    pub fn same_value(&self, a: &str, b: &str) -> bool {
        if self.case_sensitive {
            return a == b;
        }
        // Without allocating for ASCII values (external ids nearly always are): lookups scan every record.
        a.eq_ignore_ascii_case(b) || (!(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase())
    }

    /// Describe's `length`: the maximum for text, 18 for ids and references, 0 for other types.
    fn describe_length(&self) -> u32 {
        if self.ftype.is_text() || self.ftype.is_id() { self.length } else { 0 }
    }

    /// Describe's `byteLength`: three bytes per character of text (UTF-8), one per character of an id.
    fn byte_length(&self) -> u32 {
        if self.ftype.is_text() { self.length * 3 } else { self.describe_length() }
    }

    /// Server-kept: neither createable nor updateable.
    fn read_only(mut self, nillable: bool) -> Self {
        self.createable = false;
        self.updateable = false;
        self.nillable = nillable;
        self
    }

    fn required(mut self) -> Self {
        self.nillable = false;
        self
    }

    fn describe(&self) -> Value {
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.ftype.api_name(),
            "soapType": self.ftype.soap_type(),
            "length": self.describe_length(),
            "byteLength": self.byte_length(),
            "precision": 0, "scale": 0, "digits": 0,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "externalId": self.external_id,
            "unique": self.unique,
            "idLookup": self.ftype == FieldType::Id || self.external_id,
            "custom": self.custom,
            "calculated": self.name == "Name",
            "defaultedOnCreate": !self.nillable && !self.createable || self.name == "OwnerId",
            "filterable": self.ftype != FieldType::TextArea || self.length <= 255,
            "sortable": self.ftype != FieldType::TextArea || self.length <= 255,
            "groupable": self.ftype != FieldType::TextArea,
            "caseSensitive": self.case_sensitive,
            "nameField": self.name == "Name",
            "referenceTo": if self.ftype == FieldType::Reference { json!([reference_target(&self.name)]) } else { json!([]) },
            "relationshipName": if self.ftype == FieldType::Reference { json!(self.name.trim_end_matches("Id")) } else { Value::Null },
            "picklistValues": [],
            "defaultValue": Value::Null,
            "inlineHelpText": Value::Null,
            "htmlFormatted": false,
            "permissionable": self.nillable && self.createable,
        })
    }
}

fn reference_target(name: &str) -> &'static str {
    match name {
        "AccountId" => "Account",
        _ => "User",
    }
}

/// Contact's fields, with the configured external-id custom field.
#[derive(Debug, Clone)]
pub struct Schema {
    pub fields: Vec<FieldDef>,
    pub external_id_field: String,
}

impl Schema {
    pub fn contact(external_id_field: &str, external_id_unique: bool) -> Self {
        use FieldType as T;
        let mut ext = FieldDef::new(external_id_field, "Customer Id", T::String, 255);
        ext.external_id = true;
        ext.unique = external_id_unique;
        // Like an External ID text field created without "case sensitive": "ABC-1" finds "abc-1".
        ext.case_sensitive = false;
        ext.custom = true;
        let fields = vec![
            FieldDef::new("Id", "Contact ID", T::Id, 18).read_only(false),
            FieldDef::new("IsDeleted", "Deleted", T::Boolean, 0).read_only(false),
            FieldDef::new("AccountId", "Account ID", T::Reference, 18),
            FieldDef::new("LastName", "Last Name", T::String, 80).required(),
            FieldDef::new("FirstName", "First Name", T::String, 40),
            FieldDef::new("Salutation", "Salutation", T::String, 40),
            FieldDef::new("Name", "Full Name", T::String, 121).read_only(false),
            FieldDef::new("MailingStreet", "Mailing Street", T::TextArea, 255),
            FieldDef::new("MailingCity", "Mailing City", T::String, 40),
            FieldDef::new("MailingState", "Mailing State/Province", T::String, 80),
            FieldDef::new("MailingPostalCode", "Mailing Zip/Postal Code", T::String, 20),
            FieldDef::new("MailingCountry", "Mailing Country", T::String, 80),
            FieldDef::new("Phone", "Business Phone", T::Phone, 40),
            FieldDef::new("MobilePhone", "Mobile Phone", T::Phone, 40),
            FieldDef::new("Email", "Email", T::Email, 80),
            FieldDef::new("Title", "Title", T::String, 128),
            FieldDef::new("Description", "Contact Description", T::TextArea, 32000),
            FieldDef::new("OwnerId", "Owner ID", T::Reference, 18),
            FieldDef::new("CreatedDate", "Created Date", T::DateTime, 0).read_only(false),
            FieldDef::new("CreatedById", "Created By ID", T::Reference, 18).read_only(false),
            FieldDef::new("LastModifiedDate", "Last Modified Date", T::DateTime, 0).read_only(false),
            FieldDef::new("LastModifiedById", "Last Modified By ID", T::Reference, 18).read_only(false),
            FieldDef::new("SystemModstamp", "System Modstamp", T::DateTime, 0).read_only(false),
            ext,
        ];
        let external_id_field = external_id_field.to_owned();
        Self { fields, external_id_field }
    }

    /// The field with this name, compared case-insensitively.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The `fields` array of describe.
    pub fn describe_fields(&self) -> Vec<Value> {
        self.fields.iter().map(FieldDef::describe).collect()
    }
}
